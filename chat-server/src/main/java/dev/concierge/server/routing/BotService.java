package dev.concierge.server.routing;

import dev.concierge.bot.BotReply;
import dev.concierge.bot.FaqBot;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;

/** Runs the FAQ bot on its own threads, never on an event loop or the router thread. */
public final class BotService implements AutoCloseable {
    private final FaqBot bot;
    private final ExecutorService executor;
    private final LongConsumer answerNanos;
    private final int threads;
    private final AtomicInteger asked = new AtomicInteger(); // questions not answered yet

    public BotService(FaqBot bot, int threads) {
        this(bot, threads, nanos -> {});
    }

    /** A bot service that reports how long each answer took, in nanoseconds (for /metrics). */
    public BotService(FaqBot bot, int threads, LongConsumer answerNanos) {
        this.bot = Objects.requireNonNull(bot, "bot");
        this.answerNanos = Objects.requireNonNull(answerNanos, "answerNanos");
        this.threads = threads;
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "concierge-bot-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * A reply, and the department (first tag) and question (title) of the entry it answered
     * from, if any: looked up here, on the bot's threads, so the router never scans the knowledge
     * base.
     */
    record Answer(BotReply reply, Optional<String> department, Optional<String> entryQuestion) {}

    /**
     * Whether a question asked now would start at once, with no other question waiting for a
     * thread: its answer is then a fraction of a millisecond away.
     */
    boolean hasFreeThread() {
        return asked.get() < threads;
    }

    /** The bot's answer to a visitor's question. */
    CompletableFuture<Answer> answer(String question) {
        asked.incrementAndGet();
        return CompletableFuture.supplyAsync(() -> withDepartment(timed(() -> bot.answer(question))), executor);
    }

    /** The answer of the entry a visitor picked from the suggestions; falls back to matching. */
    CompletableFuture<Answer> answer(String question, String entryId) {
        asked.incrementAndGet();
        return CompletableFuture.supplyAsync(
                () -> withDepartment(timed(() -> {
                    Optional<BotReply> picked = bot.answerEntry(entryId);
                    return picked.orElseGet(() -> bot.answer(question));
                })),
                executor);
    }

    private BotReply timed(java.util.function.Supplier<BotReply> answer) {
        long started = System.nanoTime();
        try {
            return answer.get();
        } finally {
            asked.decrementAndGet();
            answerNanos.accept(System.nanoTime() - started);
        }
    }

    /** The reply with the department (first tag) and title of the entry it came from, if any. */
    private Answer withDepartment(BotReply reply) {
        var entry = reply.entryId().flatMap(id -> bot.knowledgeBase().entry(id));
        return new Answer(reply, entry.flatMap(e -> e.tags().stream().findFirst()), entry.map(e -> e.title()));
    }

    public FaqBot bot() {
        return bot;
    }

    @Override
    public void close() {
        executor.shutdownNow();
        bot.close();
    }
}
