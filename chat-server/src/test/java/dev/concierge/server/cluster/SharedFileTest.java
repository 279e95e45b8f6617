package dev.concierge.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.server.support.FileEdits;
import dev.concierge.store.SharedFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rules of a file shared by the nodes of a cluster, over a store in memory with the same
 * compare-and-set as {@link SharedFiles}: concurrent edits on two nodes both survive, an old or
 * repeated announcement changes nothing, the stored version wins on start, a file too large to
 * share is refused and left as it was, and a store that cannot be reached refuses the edit.
 */
final class SharedFileTest {
    @TempDir
    Path dir;

    /** The cluster's copy, as {@link SharedFiles} keeps it: a version moved on only from the latest. */
    static final class MemoryStore implements SharedFile.Store {
        Optional<SharedFiles.Stored> stored = Optional.empty();
        /** Run just before a replace: another node's write in between. */
        Runnable beforeReplace = () -> {};

        boolean failing;

        @Override
        public synchronized Optional<SharedFiles.Stored> read(String name) {
            if (failing) {
                throw new IllegalStateException("database down");
            }
            return stored;
        }

        @Override
        public OptionalLong replace(String name, long expected, String content) {
            Runnable before = beforeReplace;
            beforeReplace = () -> {};
            before.run();
            synchronized (this) {
                if (failing) {
                    throw new IllegalStateException("database down");
                }
                long latest = stored.map(SharedFiles.Stored::version).orElse(0L);
                if (latest != expected) {
                    return OptionalLong.empty();
                }
                stored = Optional.of(new SharedFiles.Stored(latest + 1, content, Instant.EPOCH));
                return OptionalLong.of(latest + 1);
            }
        }
    }

    private final MemoryStore store = new MemoryStore();
    private final List<String> announced = new ArrayList<>();

    private SharedFile node(String name, String content, Runnable onChanged, int maxBytes) throws IOException {
        Path file = dir.resolve(name + ".txt");
        Files.writeString(file, content);
        return new SharedFile(
                "faq", file, store, (n, v) -> announced.add(name + ":" + n + "@" + v), onChanged, maxBytes);
    }

    private SharedFile node(String name, String content) throws IOException {
        return node(name, content, () -> {}, SharedFile.MAX_BYTES);
    }

    /** An edit that appends a line to the node's file. */
    private static <T> T append(Path file, String line, T result) {
        try {
            Files.writeString(file, Files.readString(file) + line + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return result;
    }

    private String file(String node) throws IOException {
        return Files.readString(dir.resolve(node + ".txt"));
    }

    @Test
    void anEditOnOneNode_isTheBaseOfTheNextEditOnAnother_evenUnannounced() throws IOException {
        SharedFile n1 = node("n1", "base\n");
        SharedFile n2 = node("n2", "base\n");

        n1.edit(() -> append(dir.resolve("n1.txt"), "one", 1));
        n2.edit(() -> append(dir.resolve("n2.txt"), "two", 2));

        assertThat(file("n2")).isEqualTo("base\none\ntwo\n");
        assertThat(store.stored.orElseThrow().version()).isEqualTo(2);
        assertThat(store.stored.orElseThrow().content()).isEqualTo("base\none\ntwo\n");
        assertThat(announced).containsExactly("n1:faq@1", "n2:faq@2");
        n1.pull(2);
        assertThat(file("n1")).isEqualTo("base\none\ntwo\n");
    }

    @Test
    void aConcurrentEditOnAnotherNode_makesTheEditAgainOnTheNewerVersion_soBothSurvive() throws IOException {
        SharedFile n1 = node("n1", "base\n");
        SharedFile n2 = node("n2", "base\n");
        AtomicInteger runs = new AtomicInteger();
        // n2 stores its edit between n1's read of the store and n1's write to it.
        store.beforeReplace = () -> n2.edit(() -> append(dir.resolve("n2.txt"), "two", 2));

        int result = n1.edit(() -> append(dir.resolve("n1.txt"), "one", runs.incrementAndGet()));

        assertThat(runs)
                .as("n1's edit ran twice: on version 0, then on n2's version 1")
                .hasValue(2);
        assertThat(result).isEqualTo(2);
        assertThat(store.stored.orElseThrow().content()).isEqualTo("base\ntwo\none\n");
        assertThat(file("n1")).isEqualTo("base\ntwo\none\n");
        assertThat(n1.applied()).isEqualTo(2);
        assertThat(announced).containsExactly("n2:faq@1", "n1:faq@2");
    }

    @Test
    void editsThatLoseEveryRace_areRefusedAsBusy_andTheFileHoldsTheLatestVersion() throws IOException {
        SharedFile n1 = node("n1", "base\n");
        SharedFile n2 = node("n2", "base\n");
        AtomicInteger runs = new AtomicInteger();

        assertThatThrownBy(() -> n1.edit(() -> {
                    // Each time, another node stores a version before this one can.
                    store.beforeReplace = () -> n2.edit(() -> append(dir.resolve("n2.txt"), "other", 0));
                    return append(dir.resolve("n1.txt"), "one", runs.incrementAndGet());
                }))
                .isInstanceOf(FileEdits.Refused.class)
                .hasMessage("the faq was edited on other nodes 5 times meanwhile; try again")
                .matches(e -> !((FileEdits.Refused) e).tooLarge());
        assertThat(runs).hasValue(SharedFile.ATTEMPTS);
        assertThat(file("n1"))
                .as("as before the last attempt: the 5th version comes with its announcement")
                .isEqualTo("base\n" + "other\n".repeat(4));
        assertThat(store.stored.orElseThrow().content()).doesNotContain("one");
    }

    @Test
    void anAnnouncement_isTakenOnce_andAnOlderOneChangesNothing() throws IOException {
        AtomicInteger changes = new AtomicInteger();
        SharedFile n1 = node("n1", "base\n");
        SharedFile n2 = node("n2", "base\n", changes::incrementAndGet, SharedFile.MAX_BYTES);
        n1.edit(() -> append(dir.resolve("n1.txt"), "one", 1));
        n1.edit(() -> append(dir.resolve("n1.txt"), "two", 2));

        n2.pull(2);
        assertThat(file("n2")).isEqualTo("base\none\ntwo\n");
        assertThat(changes).hasValue(1);
        n2.pull(1);
        n2.pull(2);
        assertThat(changes).as("version 1 is older, version 2 taken already").hasValue(1);
        assertThat(n2.applied()).isEqualTo(2);
    }

    @Test
    void onStart_theStoredVersionReplacesTheNodesFile() throws IOException {
        SharedFile n1 = node("n1", "base\n");
        n1.edit(() -> append(dir.resolve("n1.txt"), "one", 1));
        AtomicInteger changes = new AtomicInteger();
        SharedFile late = node("late", "a sample file extracted just now\n", changes::incrementAndGet, 100);

        late.start();

        assertThat(file("late")).isEqualTo("base\none\n");
        assertThat(late.applied()).isEqualTo(1);
        assertThat(changes).hasValue(1);
    }

    @Test
    void anEditMakingTheFileTooLargeToShare_isRefused_andTheFileIsLeftAsItWas() throws IOException {
        AtomicInteger changes = new AtomicInteger();
        SharedFile n1 = node("n1", "base\n", changes::incrementAndGet, 10);

        assertThatThrownBy(() -> n1.edit(() -> append(dir.resolve("n1.txt"), "a long line", 1)))
                .isInstanceOf(FileEdits.Refused.class)
                .hasMessage("the edit would make the faq file 17 bytes; a cluster shares files up to 10 bytes")
                .matches(e -> ((FileEdits.Refused) e).tooLarge());

        assertThat(file("n1")).isEqualTo("base\n");
        assertThat(changes).as("the restored file is reloaded").hasValue(1);
        assertThat(store.stored).isEmpty();
        assertThat(announced).isEmpty();
        assertThat(n1.edit(() -> append(dir.resolve("n1.txt"), "ok", 2))).isEqualTo(2);
        assertThat(store.stored.orElseThrow().content()).isEqualTo("base\nok\n");
    }

    @Test
    void anEditThatChangesNothing_storesAndAnnouncesNothing() throws IOException {
        SharedFile n1 = node("n1", "base\n");

        assertThat(n1.edit(() -> 0)).isEqualTo(0);

        assertThat(store.stored).isEmpty();
        assertThat(announced).isEmpty();
    }

    @Test
    void aStoreThatCannotBeReached_refusesTheEdit_andTheFileIsLeftAsItWas() throws IOException {
        SharedFile n1 = node("n1", "base\n");
        AtomicInteger runs = new AtomicInteger();
        store.failing = true;

        assertThatThrownBy(() -> n1.edit(() -> append(dir.resolve("n1.txt"), "one", runs.incrementAndGet())))
                .isInstanceOf(FileEdits.Refused.class)
                .hasMessage("the cluster's copy of the faq cannot be reached; try again");
        assertThat(runs).hasValue(0);

        store.failing = false;
        store.beforeReplace = () -> store.failing = true;
        assertThatThrownBy(() -> n1.edit(() -> append(dir.resolve("n1.txt"), "one", runs.incrementAndGet())))
                .isInstanceOf(FileEdits.Refused.class);
        assertThat(runs).hasValue(1);
        assertThat(file("n1")).as("not stored, so not kept here either").isEqualTo("base\n");
    }
}
