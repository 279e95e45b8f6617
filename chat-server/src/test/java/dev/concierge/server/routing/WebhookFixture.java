package dev.concierge.server.routing;

import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.store.ConversationStore;
import dev.concierge.store.ConversationStore.OutboundMail;
import dev.concierge.store.InMemoryConversationStore;
import dev.concierge.store.IntegrationStore;
import dev.concierge.store.IntegrationStore.Endpoint;
import dev.concierge.store.IntegrationStore.EndpointState;
import dev.concierge.store.IntegrationStore.OutboundWebhook;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What the webhook policy tests share: a router over an in-memory store that keeps the webhook
 * rows it is given with their events (one {@link Commit} per call that had rows), and endpoints
 * the test sets.
 */
@SuppressWarnings("unchecked")
abstract class WebhookFixture extends RouterFixture {
    /** One store call with webhook rows: the seqs of its events and its rows, in order. */
    record Commit(String conversationId, List<Long> seqs, List<OutboundWebhook> rows) {}

    /**
     * An in-memory store ({@link #memory}) seen through {@link #store}, which keeps the webhook
     * rows it is given with their events and reads the endpoints the test sets.
     */
    static final class CapturingStore {
        final InMemoryConversationStore memory;
        final ConversationStore store;
        final List<Commit> commits = new CopyOnWriteArrayList<>();
        final List<Endpoint> endpoints = new CopyOnWriteArrayList<>();

        CapturingStore(Clock clock) {
            memory = new InMemoryConversationStore(clock);
            IntegrationStore integrations = (IntegrationStore) Proxy.newProxyInstance(
                    WebhookFixture.class.getClassLoader(), new Class<?>[] {IntegrationStore.class}, (p, m, args) -> {
                        if (m.getName().equals("endpoints")) {
                            return List.copyOf(endpoints);
                        }
                        throw new UnsupportedOperationException(m.getName());
                    });
            store = (ConversationStore) Proxy.newProxyInstance(
                    WebhookFixture.class.getClassLoader(), new Class<?>[] {ConversationStore.class}, (p, m, args) -> {
                        if (m.getName().equals("integrations")) {
                            return Optional.of(integrations);
                        }
                        if (m.getName().equals("appendAll") && args.length == 4) {
                            return appendAll(
                                    (String) args[0],
                                    (List<TranscriptEvent>) args[1],
                                    (List<OutboundMail>) args[2],
                                    (List<OutboundWebhook>) args[3]);
                        }
                        try {
                            return m.invoke(memory, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }

        private CompletableFuture<Void> appendAll(
                String conversationId,
                List<TranscriptEvent> events,
                List<OutboundMail> mails,
                List<OutboundWebhook> webhooks) {
            List<Long> seqs = events.stream().map(TranscriptEvent::seq).toList();
            for (OutboundWebhook row : webhooks) {
                if (!row.conversationId().equals(conversationId) || !seqs.contains(row.seq())) {
                    return CompletableFuture.failedFuture(
                            new IllegalArgumentException(row.eventId() + " names no event of this call"));
                }
            }
            return memory.appendAll(conversationId, events, mails).thenRun(() -> {
                if (!webhooks.isEmpty()) {
                    commits.add(new Commit(conversationId, seqs, List.copyOf(webhooks)));
                }
            });
        }

        /** Every row stored for {@code conversationId}, in commit order. */
        List<OutboundWebhook> rows(String conversationId) {
            return commits.stream()
                    .filter(c -> c.conversationId().equals(conversationId))
                    .flatMap(c -> c.rows().stream())
                    .toList();
        }

        /** The rows of {@code conversationId} as {@code type@seq.sub}. */
        List<String> types(String conversationId) {
            return rows(conversationId).stream()
                    .map(r -> r.type() + "@" + r.seq() + "." + r.sub())
                    .toList();
        }
    }

    final CapturingStore hooks = new CapturingStore(clock);

    /** An endpoint of {@code site} in {@code state} subscribed to {@code types}. */
    static Endpoint endpoint(String id, String site, EndpointState state, List<String> types) {
        Instant t = Instant.parse("2026-11-23T09:00:00Z");
        return new Endpoint(
                id,
                site,
                "https://hooks.example/" + id,
                null,
                types,
                "whsec_c2VjcmV0",
                null,
                null,
                8,
                state,
                null,
                null,
                null,
                0,
                null,
                t,
                t,
                1);
    }

    /** A visitor socket that says hello from {@code site}. */
    Recorder visitorOf(String site) {
        Recorder s = new Recorder();
        router.visitorHello(s, new ClientMessage.Hello(id(), 1, site, null, null, null, null, null, null));
        settle();
        return s;
    }
}
