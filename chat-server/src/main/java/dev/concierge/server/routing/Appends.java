package dev.concierge.server.routing;

import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.store.ConversationStore;
import dev.concierge.store.IntegrationStore.OutboundWebhook;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * Appends events to conversations for the {@link Router}: gives each its seq, adds it to the
 * in-memory transcript, stores it, and completes on the router thread once it is committed, or
 * takes it back out if the store failed it. Router thread only, like the conversations it
 * changes.
 */
final class Appends {
    private final ConversationStore store;
    private final Clock clock;
    /** The router's thread: where every completion of an append runs. */
    private final Executor router;
    /** The webhook rows of each event, stored with it. */
    private final WebhookPolicy webhooks;

    Appends(ConversationStore store, Clock clock, Executor router, WebhookPolicy webhooks) {
        this.store = store;
        this.clock = clock;
        this.router = router;
        this.webhooks = webhooks;
    }

    /**
     * Appends an event: assigns its seq now, stores it, and completes on the router thread after
     * commit, with {@link Conversation#committedSeq} advanced.
     */
    CompletableFuture<TranscriptEvent> append(Conversation c, TranscriptEvent draft) {
        return append(c, draft, false);
    }

    /**
     * An event held back from the store with its webhook rows, and {@link #append}'s result for
     * it, completed on the router thread once the write that stores it is committed.
     */
    record Held(TranscriptEvent event, List<OutboundWebhook> webhooks, CompletableFuture<TranscriptEvent> appended) {}

    /**
     * Appends an event as {@link #append(Conversation, TranscriptEvent)} does, or, with
     * {@code hold}, keeps it from the store until the conversation's next append, which then
     * stores both in one commit ({@link ConversationStore#appendAll}), or until
     * {@link #releaseHeld}. A visitor's question to the bot is held while the bot answers it (a
     * fraction of a millisecond): the answer then reaches the disk with the question in one fsync
     * instead of a second one after it. Nothing acknowledged depends on it: the question's ack
     * waits for its commit, as always.
     */
    CompletableFuture<TranscriptEvent> append(Conversation c, TranscriptEvent draft, boolean hold) {
        return append(c, draft, hold, e -> List.of());
    }

    /**
     * Appends an event as {@link #append(Conversation, TranscriptEvent, boolean)} does, with the
     * mails {@code mailsOf} makes of the stamped event put in the outbox in the same transaction
     * ({@link ConversationStore#appendAll(String, List, List, List)}), with the event's webhook
     * rows ({@link WebhookPolicy#of}): all are stored, or none. A held event keeps its webhook
     * rows for the commit that stores it; an event with mail is never held.
     */
    CompletableFuture<TranscriptEvent> append(
            Conversation c,
            TranscriptEvent draft,
            boolean hold,
            Function<TranscriptEvent, List<ConversationStore.OutboundMail>> mailsOf) {
        TranscriptEvent event = draft.stamped(c.nextSeq++, clock.instant());
        List<ConversationStore.OutboundMail> mails = mailsOf.apply(event);
        if (hold && !mails.isEmpty()) {
            throw new IllegalArgumentException("an event with mail is never held");
        }
        List<OutboundWebhook> rows = webhooks.of(c, event);
        c.transcript.add(event);
        c.lastActivity = event.ts();
        Held held = c.held;
        c.held = null;
        if (held != null && hold) {
            storeHeld(c, held);
            held = null;
        }
        CompletableFuture<TranscriptEvent> appended = new CompletableFuture<>();
        if (hold) {
            c.held = new Held(event, rows, appended);
        } else if (held != null) {
            // The held event goes first, in the same commit, and both complete in one router task,
            // the held one first. Not in a second task queued when the first runs: one fsync
            // completes several writes at once, so that task would queue behind theirs, and the
            // event would reach its sockets after later ones (under load, a visitor's question
            // came after the bot's answers to it and to the questions after it).
            List<OutboundWebhook> both = held.webhooks().isEmpty() ? rows : concat(held.webhooks(), rows);
            settle(
                    c,
                    write(c, List.of(held.event(), event), mails, both),
                    List.of(held.event(), event),
                    List.of(held.appended(), appended));
        } else {
            settle(c, write(c, List.of(event), mails, rows), List.of(event), List.of(appended));
        }
        return appended;
    }

    /**
     * Once {@code write} completes, in one router task and in seq order: each of {@code events}
     * is marked committed and its future in {@code appended} completes (its dependents, the
     * broadcast and the acknowledgement, run then), or each is taken back out and its future
     * fails. A write's task is queued when the store completes it, and the store completes a
     * conversation's writes in seq order, so every event's completion runs in seq order.
     */
    private void settle(
            Conversation c,
            CompletableFuture<Void> write,
            List<TranscriptEvent> events,
            List<CompletableFuture<TranscriptEvent>> appended) {
        write.whenCompleteAsync(
                (v, error) -> {
                    for (int i = 0; i < events.size(); i++) {
                        TranscriptEvent event = events.get(i);
                        if (error != null) {
                            forget(c, event);
                            appended.get(i)
                                    .completeExceptionally(
                                            error instanceof CompletionException ce
                                                    ? ce
                                                    : new CompletionException(error));
                        } else {
                            c.committedSeq = Math.max(c.committedSeq, event.seq());
                            c.transcript.committed(c.committedSeq);
                            appended.get(i).complete(event);
                        }
                    }
                },
                router);
    }

    /**
     * An event the store did not take (its write failed and was rolled back): it leaves the
     * transcript, and the conversation's next event takes its seq, so the store, which expects
     * that seq next, takes what follows. Events appended after it and already on their way to the
     * store fail too (their seqs are out of order there) and come here in turn, in seq order,
     * since the store completes writes in the order they were submitted.
     */
    private static void forget(Conversation c, TranscriptEvent event) {
        c.transcript.remove(event);
        c.nextSeq = Math.min(c.nextSeq, event.seq());
    }

    /** Stores the conversation's held event now, alone, if it has one. */
    void releaseHeld(Conversation c) {
        Held held = c.held;
        if (held != null) {
            c.held = null;
            storeHeld(c, held);
        }
    }

    private void storeHeld(Conversation c, Held held) {
        settle(
                c,
                write(c, List.of(held.event()), List.of(), held.webhooks()),
                List.of(held.event()),
                List.of(held.appended()));
    }

    /**
     * Stores events with their mails and webhook rows in one transaction; once committed with
     * rows, wakes the webhook sender.
     */
    private CompletableFuture<Void> write(
            Conversation c,
            List<TranscriptEvent> events,
            List<ConversationStore.OutboundMail> mails,
            List<OutboundWebhook> rows) {
        if (!rows.isEmpty()) {
            CompletableFuture<Void> stored = store.appendAll(c.id, events, mails, rows);
            stored.thenRun(webhooks::stored);
            return stored;
        }
        if (events.size() == 1 && mails.isEmpty()) {
            return store.append(c.id, events.get(0));
        }
        return store.appendAll(c.id, events, mails);
    }

    private static <T> List<T> concat(List<T> first, List<T> then) {
        List<T> all = new java.util.ArrayList<>(first);
        all.addAll(then);
        return all;
    }
}
