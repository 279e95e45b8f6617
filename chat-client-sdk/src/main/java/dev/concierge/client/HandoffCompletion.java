package dev.concierge.client;

import dev.concierge.protocol.HandoffPackage;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ServerMessage;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * Makes a handoff package whole before the agent client reports it: a package that carries only
 * a conversation's last events is held while the earlier ones are read with {@code history}, page
 * by page, and is then delivered with the whole transcript. When the server refuses a read (the
 * conversation is gone) the package is delivered as it came; once the client is closed, not at
 * all. A package sent again meanwhile (a resend after a reconnect) replaces the held one and the
 * reads go on. Guarded by the connection's lock.
 */
final class HandoffCompletion {
    private final Connection connection;
    private final Object lock;
    /** Reports a package whose transcript is whole. Under the lock. */
    private final Consumer<ServerMessage.Assigned> delivered;
    /** Packages with only their last events, whose earlier events are being read with history. */
    private final Map<String, Completion> completing = new HashMap<>();

    /** A package waiting for its earlier events: the latest one sent, and what history brought. */
    private static final class Completion {
        ServerMessage.Assigned latest;
        final TreeMap<Long, TranscriptEvent> events = new TreeMap<>();

        Completion(ServerMessage.Assigned latest) {
            this.latest = latest;
        }
    }

    HandoffCompletion(Connection connection, Consumer<ServerMessage.Assigned> delivered) {
        this.connection = connection;
        this.lock = connection.lock();
        this.delivered = delivered;
    }

    /** Holds {@code assignment}, whose package lacks earlier events, until they are read. Under the lock. */
    void complete(ServerMessage.Assigned assignment) {
        String conversation = assignment.conversationId();
        Completion waiting = completing.get(conversation);
        if (waiting != null) {
            waiting.latest = assignment; // a resend after a reconnect: the reads go on
        } else {
            completing.put(conversation, new Completion(assignment));
            complete(conversation, 0);
        }
    }

    /** Reads the page of {@code conversation}'s events after {@code afterSeq} for its package. */
    private void complete(String conversation, long afterSeq) {
        connection
                .request(
                        new ClientMessage.History(Connection.newId(), conversation, afterSeq),
                        ServerMessage.Transcript.class)
                .whenComplete((page, error) -> {
                    synchronized (lock) {
                        Completion waiting = completing.get(conversation);
                        if (waiting == null) {
                            return;
                        }
                        if (error == null) {
                            page.events().forEach(e -> waiting.events.put(e.seq(), e));
                        }
                        if (error == null && page.hasMore() && !page.events().isEmpty()) {
                            complete(conversation, waiting.events.lastKey());
                            return;
                        }
                        completing.remove(conversation);
                        if (error != null && "closed".equals(codeOf(error))) {
                            return; // the client was closed
                        }
                        HandoffPackage latest = waiting.latest.handoff();
                        latest.transcript().forEach(e -> waiting.events.putIfAbsent(e.seq(), e));
                        // Whole unless the server refused the read (the conversation is gone): then
                        // the package as it came.
                        delivered.accept(
                                error != null
                                        ? waiting.latest
                                        : new ServerMessage.Assigned(
                                                conversation,
                                                latest.withTranscript(List.copyOf(waiting.events.values()))));
                    }
                });
    }

    private static String codeOf(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        return cause instanceof ClientClosedException ? "closed" : null;
    }
}
