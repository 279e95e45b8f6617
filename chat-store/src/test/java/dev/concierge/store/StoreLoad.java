package dev.concierge.store;

import static dev.concierge.store.StoreContractTest.message;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Drives many appends from several threads at once, as the router's sessions would.
 *
 * <p>Stays in {@code dev.concierge.store} rather than a testing package: it builds its events with
 * {@link StoreContractTest#message}, package-private in the store contract, so the load appends the
 * same events the contract checks.
 */
final class StoreLoad {
    record Result(int appends, long millis, double perSecond) {}

    private StoreLoad() {}

    static String conversationId(int thread, int k) {
        return "load-" + thread + "-" + k;
    }

    /** Each thread appends to its own conversations, seqs in order, without waiting for acks. */
    static List<CompletableFuture<Void>> appendConcurrently(
            ConversationStore store, int threads, int conversationsPerThread, int perConversation)
            throws InterruptedException {
        List<CompletableFuture<Void>> all = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread worker = new Thread(
                    () -> {
                        awaitQuietly(start);
                        List<CompletableFuture<Void>> mine = new ArrayList<>();
                        for (long seq = 1; seq <= perConversation; seq++) {
                            for (int k = 0; k < conversationsPerThread; k++) {
                                mine.add(store.append(
                                        conversationId(thread, k), message(seq, "m" + seq, "load " + seq)));
                            }
                        }
                        all.addAll(mine);
                    },
                    "load-" + t);
            worker.start();
            workers.add(worker);
        }
        start.countDown();
        for (Thread w : workers) {
            w.join();
        }
        return all;
    }

    /** Appends {@code threads x conversations x perConversation} events and times the acks. */
    static Result measure(ConversationStore store, int threads, int conversationsPerThread, int perConversation)
            throws Exception {
        long begin = System.nanoTime();
        List<CompletableFuture<Void>> all = appendConcurrently(store, threads, conversationsPerThread, perConversation);
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(300, TimeUnit.SECONDS);
        long nanos = System.nanoTime() - begin;
        return new Result(all.size(), nanos / 1_000_000, all.size() / (nanos / 1e9));
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
