package dev.concierge.server.cluster;

import dev.concierge.server.support.FileEdits;
import dev.concierge.server.support.ServerException;
import dev.concierge.store.SharedFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One file that every node of a cluster keeps the same when an admin edits it at run time (the
 * FAQ, the agents file), through the cluster's copy in PostgreSQL ({@link SharedFiles}), version
 * by version:
 * <ul>
 *   <li>an edit first takes the latest stored version into this node's file, runs on it, then
 *   stores the result only if no other node stored a version meanwhile (compare and set); if one
 *   did, the edit runs again on that version, so two concurrent edits on two nodes both survive;
 *   then the new version is announced to the other nodes;</li>
 *   <li>an announced version, or on reconnecting to NATS the latest stored one, is written to this
 *   node's file atomically (temp file, then move) and {@code onChanged} is told (the FAQ reloads
 *   the bot, as its file watcher does too; the agents file adds its new agents);</li>
 *   <li>on start the stored version, once there is one, replaces this node's file.</li>
 * </ul>
 * Files larger than {@code maxBytes} are not shared: such an edit is refused.
 */
final class SharedFile implements FileEdits {
    private static final Logger log = LoggerFactory.getLogger(SharedFile.class);

    /** The largest file shared: the sample FAQ takes 31 KB for 37 entries, so about 10,000 such entries fit. */
    static final int MAX_BYTES = 8 << 20;
    /** How often an edit is made again on a newer version before it is refused as busy. */
    static final int ATTEMPTS = 5;

    /** The cluster's copy of the files: {@link SharedFiles}, or a fake in tests. */
    interface Store {
        /** The latest stored version, or empty if none. */
        Optional<SharedFiles.Stored> read(String name);

        /** Stores the version after {@code expected} (0: none yet): the new version, or empty if another came first. */
        OptionalLong replace(String name, long expected, String content);
    }

    /** Tells the other nodes of a new version. */
    interface Announcer {
        void announce(String name, long version);
    }

    private final String name;
    private final Path file;
    private final Store store;
    private final Announcer announcer;
    private final Runnable onChanged;
    private final int maxBytes;
    /** The stored version this node's file holds or was edited from; 0 before any. Guarded by this. */
    private long applied;

    SharedFile(String name, Path file, Store store, Announcer announcer, Runnable onChanged, int maxBytes) {
        this.name = Objects.requireNonNull(name, "name");
        this.file = Objects.requireNonNull(file, "file");
        this.store = Objects.requireNonNull(store, "store");
        this.announcer = Objects.requireNonNull(announcer, "announcer");
        this.onChanged = Objects.requireNonNull(onChanged, "onChanged");
        if (maxBytes < 1) {
            throw new IllegalArgumentException("maxBytes must be positive, was " + maxBytes);
        }
        this.maxBytes = maxBytes;
    }

    /** The file's name in the store and in the announcements. */
    String name() {
        return name;
    }

    /** The stored version this node's file holds; 0 before any. */
    synchronized long applied() {
        return applied;
    }

    /**
     * On start: takes the stored version, if any, into this node's file. Once edited in the
     * cluster the stored version is the file: a file given to a node that starts later (a new
     * node's sample FAQ, an old copy) must not undo the edits.
     */
    synchronized void start() {
        store.read(name).ifPresent(this::take);
    }

    /** Takes {@code version} or a later one from the store unless this node has it (an announcement). */
    synchronized void pull(long version) {
        if (version > applied) {
            pull();
        }
    }

    /** Takes the latest stored version unless this node has it (after reconnecting, in case one was missed). */
    synchronized void pull() {
        store.read(name).filter(s -> s.version() > applied).ifPresent(this::take);
    }

    @Override
    public synchronized <T> T edit(Supplier<T> edit) {
        for (int attempt = 1; ; attempt++) {
            long base;
            try {
                store.read(name).filter(s -> s.version() > applied).ifPresent(this::take);
                base = applied;
            } catch (RuntimeException e) {
                log.warn("{}: edit refused: the cluster's copy cannot be read: {}", name, e.getMessage());
                throw unavailable();
            }
            String before = readFile();
            T result = edit.get();
            String after = readFile();
            if (after.equals(before)) {
                return result;
            }
            int size = after.getBytes(StandardCharsets.UTF_8).length;
            if (size > maxBytes) {
                restore(before);
                throw new Refused(
                        String.format(
                                "the edit would make the %s file %,d bytes; a cluster shares files up to %,d bytes",
                                name, size, maxBytes),
                        true);
            }
            OptionalLong stored;
            try {
                stored = store.replace(name, base, after);
            } catch (RuntimeException e) {
                log.warn("{}: edit refused: the cluster's copy cannot be written: {}", name, e.getMessage());
                restore(before);
                throw unavailable();
            }
            if (stored.isPresent()) {
                applied = stored.getAsLong();
                announce();
                return result;
            }
            if (attempt == ATTEMPTS) {
                restore(before);
                throw new Refused(
                        "the " + name + " was edited on other nodes " + ATTEMPTS + " times meanwhile; try again",
                        false);
            }
            log.info("{}: another node stored a version after {}: the edit is made again on it", name, base);
        }
    }

    /** Announces the version this node holds again (after reconnecting, in case the first was missed). */
    synchronized void announce() {
        if (applied > 0) {
            try {
                announcer.announce(name, applied);
            } catch (RuntimeException e) {
                // Away from NATS: announced again after reconnecting.
                log.warn("{}: cannot announce version {} to the other nodes yet: {}", name, applied, e.getMessage());
            }
        }
    }

    private Refused unavailable() {
        return new Refused("the cluster's copy of the " + name + " cannot be reached; try again", false);
    }

    private void take(SharedFiles.Stored stored) {
        if (!stored.content().equals(readFileIfAny().orElse(null))) {
            write(stored.content());
            log.info("{}: took version {} of {} from the cluster", file, stored.version(), name);
            onChanged.run();
        }
        applied = stored.version();
    }

    private void restore(String content) {
        write(content);
        onChanged.run();
    }

    private String readFile() {
        return readFileIfAny().orElseThrow(() -> new ServerException(file + ": missing"));
    }

    private Optional<String> readFileIfAny() {
        try {
            return Optional.of(Files.readString(file));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new ServerException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** Writes the whole file atomically, so a reader (the file watcher) never sees half of it. */
    private void write(String content) {
        try {
            Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".shared", ".tmp");
            try {
                Files.writeString(tmp, content);
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new ServerException(file + ": cannot write: " + e.getMessage(), e);
        }
    }
}
