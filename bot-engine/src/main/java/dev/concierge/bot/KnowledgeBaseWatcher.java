package dev.concierge.bot;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.concurrent.TimeUnit;

/**
 * Watches a knowledge base file and calls back when it changes. One daemon thread, blocked on
 * the {@link WatchService}. The directory is watched, because editors often replace a file
 * rather than write it in place; events that come in a burst (an editor's write, rename and
 * touch) are folded into one callback once the file has been quiet for a moment.
 */
final class KnowledgeBaseWatcher implements AutoCloseable {

    private static final long QUIET_MILLIS = 150;

    private final Path file;
    private final Runnable onChange;
    private final WatchService service;
    private final Thread thread;

    KnowledgeBaseWatcher(Path file, Runnable onChange) {
        this.file = file.toAbsolutePath();
        this.onChange = onChange;
        try {
            this.service = FileSystems.getDefault().newWatchService();
            this.file
                    .getParent()
                    .register(service, StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_CREATE);
        } catch (IOException e) {
            throw new BotException(file + ": cannot watch for changes: " + e.getMessage(), e);
        }
        this.thread = new Thread(this::run, "concierge-faq-watcher");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (true) {
                boolean changed = concernsFile(service.take());
                // Let a burst of events settle before reloading once.
                for (WatchKey more = service.poll(QUIET_MILLIS, TimeUnit.MILLISECONDS);
                        more != null;
                        more = service.poll(QUIET_MILLIS, TimeUnit.MILLISECONDS)) {
                    changed |= concernsFile(more);
                }
                if (changed) {
                    onChange.run();
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closed: stop watching
        }
    }

    private boolean concernsFile(WatchKey key) {
        boolean ours = false;
        for (WatchEvent<?> event : key.pollEvents()) {
            if (event.kind() == StandardWatchEventKinds.OVERFLOW
                    || event.context() instanceof Path p && p.equals(file.getFileName())) {
                ours = true;
            }
        }
        key.reset();
        return ours;
    }

    @Override
    public void close() {
        try {
            service.close();
        } catch (IOException e) {
            // nothing more to release
        }
        thread.interrupt();
    }
}
