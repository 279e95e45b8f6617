package dev.concierge.server.cluster;

import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's {@link SharedFile}s, and their announcements on {@link Wire#EDITS}: each names the
 * sending node (which ignores its own), the file and the version. Taking a version (a store read
 * and a file write) runs on a thread of its own, never on NATS's.
 */
final class SharedEdits implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SharedEdits.class);

    private final String nodeId;
    private final Outbound.Publisher publisher;
    private final Map<String, SharedFile> files = new ConcurrentHashMap<>();
    /** The stores of the files, closed with this. */
    private final Set<AutoCloseable> stores = ConcurrentHashMap.newKeySet();
    /** How long after a failed read of the store it is tried again. */
    private static final long RETRY_SECONDS = 5;

    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "concierge-shared-files");
        t.setDaemon(true);
        return t;
    });

    SharedEdits(String nodeId, Outbound.Publisher publisher) {
        this.nodeId = nodeId;
        this.publisher = publisher;
    }

    /** Announces a new version of a file to the other nodes. */
    void announce(String name, long version) {
        publisher.publish(
                Wire.EDITS, new Wire.Out().s(nodeId).s(name).l(version).done());
    }

    /** Shares {@code file}'s edits from now on: takes the stored version first if it is newer. */
    void add(SharedFile file, AutoCloseable store) {
        stores.add(store);
        if (files.putIfAbsent(file.name(), file) != null) {
            throw new IllegalArgumentException("two shared files named " + file.name());
        }
        try {
            file.start();
        } catch (RuntimeException e) {
            log.error(
                    "{}: the cluster's version cannot be read now; taken when announced: {}",
                    file.name(),
                    e.getMessage());
        }
    }

    /** An announcement from {@link Wire#EDITS}. */
    void onAnnounced(byte[] data) {
        String from;
        String name;
        long version;
        try {
            Wire.In in = new Wire.In(data);
            from = in.s();
            name = in.s();
            version = in.l();
        } catch (IOException e) {
            log.warn("dropped a malformed announcement of a shared file: {}", e.getMessage());
            return;
        }
        SharedFile file = files.get(name);
        if (from.equals(nodeId) || file == null) {
            return;
        }
        run(file, () -> file.pull(version));
    }

    /**
     * After reconnecting to NATS: takes the versions stored meanwhile and announces this node's
     * again, so a version announced while either side was away reaches every node.
     */
    void reconnected() {
        for (SharedFile file : files.values()) {
            run(file, () -> {
                file.pull();
                file.announce();
            });
        }
    }

    /** Runs {@code task} on the worker; if the store fails, takes the latest version a little later. */
    private void run(SharedFile file, Runnable task) {
        try {
            worker.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.warn(
                            "{}: cannot take the cluster's version now, again in {} s: {}",
                            file.name(),
                            RETRY_SECONDS,
                            e.getMessage());
                    try {
                        worker.schedule(() -> run(file, file::pull), RETRY_SECONDS, TimeUnit.SECONDS);
                    } catch (RejectedExecutionException closing) {
                        // closing
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    @Override
    public void close() {
        worker.shutdownNow();
        for (AutoCloseable store : stores) {
            try {
                store.close();
            } catch (Exception e) {
                log.debug("closing the store of the shared files", e);
            }
        }
    }
}
