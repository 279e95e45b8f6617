package dev.concierge.bot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class ReloadTest {

    private static final Duration DEADLINE = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private static String kb(String answer) {
        return ("{'language':'en','entries':["
                        + "{'id':'hours','questions':['When are you open?','What are your opening hours?'],'answer':'"
                        + answer + "'},"
                        + "{'id':'phone','questions':['What is your phone number?','How can I call you?'],'answer':'555-0199.'},"
                        + "{'id':'parking','questions':['Where can I park?','Is there parking?'],'answer':'Behind the shop.'}]}")
                .replace('\'', '"');
    }

    /** Replaces the file the way editors do: write a temporary file, then rename it over. */
    private void replace(Path file, String content) throws IOException {
        Path tmp = Files.createTempFile(dir, "faq", ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime())
                    .as("condition not met within " + DEADLINE)
                    .isLessThan(deadline);
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    @Test
    void watch_reloadsChangedFile() throws Exception {
        Path file = dir.resolve("faq.json");
        Files.writeString(file, kb("9 to 5."));
        List<KnowledgeBase> reloads = new CopyOnWriteArrayList<>();
        try (FaqBot bot = FaqBot.builder()
                .file(file)
                .watch(true)
                .reloadListener(new ReloadListener() {
                    @Override
                    public void reloaded(KnowledgeBase knowledgeBase) {
                        reloads.add(knowledgeBase);
                    }
                })
                .build()) {
            assertThat(bot.answer("when are you open").text()).isEqualTo("9 to 5.");
            replace(file, kb("8 to 8."));
            // The listener is told after the swap, so wait for it rather than for the answer.
            await(() -> reloads.stream().anyMatch(kb -> kb.entries().stream()
                    .anyMatch(e -> e.answer().equals("8 to 8."))));
            assertThat(bot.answer("when are you open").text()).isEqualTo("8 to 8.");
        }
    }

    @Test
    void watch_keepsPreviousVersionWhenFileIsInvalid() throws Exception {
        Path file = dir.resolve("faq.json");
        Files.writeString(file, kb("9 to 5."));
        List<BotException> failures = new CopyOnWriteArrayList<>();
        try (FaqBot bot = FaqBot.builder()
                .file(file)
                .watch(true)
                .reloadListener(new ReloadListener() {
                    @Override
                    public void failed(BotException error) {
                        failures.add(error);
                    }
                })
                .build()) {
            replace(file, kb("").replace("\"answer\":\"\"", "\"answr\":\"x\""));
            await(() -> !failures.isEmpty());
            assertThat(failures.get(0)).hasMessageContaining("faq.json").hasMessageContaining("answr");
            assertThat(bot.answer("when are you open").text()).isEqualTo("9 to 5.");
        }
    }

    @Test
    void reload_neverDropsAQuestionInFlight() throws Exception {
        Path file = dir.resolve("faq.json");
        Files.writeString(file, kb("9 to 5."));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (FaqBot bot = FaqBot.load(file)) {
            AtomicBoolean stop = new AtomicBoolean();
            List<Future<Integer>> askers =
                    List.of(pool.submit(() -> ask(bot, stop)), pool.submit(() -> ask(bot, stop)));
            for (int i = 0; i < 5; i++) {
                Files.writeString(file, kb(i % 2 == 0 ? "8 to 8." : "9 to 5."));
                bot.reload();
            }
            stop.set(true);
            for (Future<Integer> f : askers) {
                assertThat(f.get(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isPositive();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static int ask(FaqBot bot, AtomicBoolean stop) {
        int n = 0;
        while (!stop.get() || n == 0) {
            BotReply reply = bot.answer("what are your opening hours");
            assertThat(reply.entryId()).contains("hours");
            assertThat(reply.text()).isIn("9 to 5.", "8 to 8.");
            n++;
        }
        return n;
    }

    @Test
    void reload_rejectsInMemoryBotAndInvalidFile() throws IOException {
        try (FaqBot bot = FaqBot.create(KnowledgeBaseFile.read(writeValid()))) {
            assertThatThrownBy(bot::reload).isInstanceOf(BotException.class).hasMessageContaining("in-memory");
        }
        Path file = writeValid();
        try (FaqBot bot = FaqBot.load(file)) {
            Files.writeString(file, "{");
            assertThatThrownBy(bot::reload).isInstanceOf(BotException.class).hasMessageContaining("faq.json");
            assertThat(bot.answer("when are you open").text()).isEqualTo("9 to 5.");
        }
    }

    private Path writeValid() throws IOException {
        Path file = dir.resolve("faq.json");
        Files.writeString(file, kb("9 to 5."));
        return file;
    }
}
