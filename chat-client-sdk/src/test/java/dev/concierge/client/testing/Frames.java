package dev.concierge.client.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.concierge.client.ConciergeClientException;
import dev.concierge.protocol.AgentInfo;
import dev.concierge.protocol.Author;
import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.HandoffPackage;
import dev.concierge.protocol.HandoffReason;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.TranscriptEvent.Kind;
import dev.concierge.protocol.VisitorInfo;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ServerMessage;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Server frames for scripts, and future helpers with a deadline. */
public final class Frames {
    public static final Author ADA = new Author(Role.VISITOR, "v_1", "Ada Lovelace");
    public static final AgentInfo DANA = new AgentInfo("demo", "Dana Demo");

    private Frames() {}

    public static ServerMessage.Welcome visitorWelcome(ClientMessage.Hello hello, String conversationId) {
        return new ServerMessage.Welcome(hello.id(), 1, Role.VISITOR, "v_1", "vt_1", conversationId, null);
    }

    public static ServerMessage.Welcome agentWelcome(ClientMessage.Hello hello) {
        return new ServerMessage.Welcome(hello.id(), 1, Role.AGENT, null, null, null, DANA);
    }

    public static ServerMessage.Ack ack(ClientMessage request, String conversationId, long seq) {
        return new ServerMessage.Ack(request.id(), conversationId, seq);
    }

    /** An event of {@code kind}; messages are the visitor's and carry {@code id}, the rest are the bot's. */
    public static ServerMessage.Event event(String conversationId, long seq, String id, Kind kind) {
        Author author = kind == Kind.MESSAGE ? ADA : kind == Kind.BOT ? Author.BOT : Author.SYSTEM;
        AgentInfo agent = kind == Kind.ASSIGNED ? DANA : null;
        return new ServerMessage.Event(
                conversationId,
                seq,
                Instant.parse("2026-11-23T10:15:30Z").plusSeconds(seq),
                id,
                kind,
                author,
                "text " + seq,
                null,
                kind == Kind.CLOSED ? "resolved" : null,
                agent,
                null,
                null);
    }

    public static ServerMessage.Event message(String conversationId, long seq, String id) {
        return event(conversationId, seq, id, Kind.MESSAGE);
    }

    public static ServerMessage.Event bot(String conversationId, long seq) {
        return event(conversationId, seq, null, Kind.BOT);
    }

    /** A transcript of the given seqs (odd ones from the visitor, even ones from the bot). */
    public static ServerMessage.Transcript transcript(String ref, String conversationId, long... seqs) {
        List<TranscriptEvent> events = Arrays.stream(seqs)
                .mapToObj(seq -> (seq % 2 == 1 ? message(conversationId, seq, "old-" + seq) : bot(conversationId, seq))
                        .toTranscriptEvent())
                .toList();
        return new ServerMessage.Transcript(ref, conversationId, ConversationState.BOT, events);
    }

    public static ServerMessage.Assigned assigned(String conversationId, long... seqs) {
        HandoffPackage handoff = new HandoffPackage(
                conversationId,
                HandoffReason.VISITOR_ASKED,
                "My parcel arrived damaged",
                new VisitorInfo("v_1", "Ada Lovelace", null, null),
                null,
                transcript(null, conversationId, seqs).events(),
                List.of(),
                1200);
        return new ServerMessage.Assigned(conversationId, handoff);
    }

    /** A package with only the events {@code seqs} of a conversation of {@code total} events. */
    public static ServerMessage.Assigned lastOf(String conversationId, int total, long... seqs) {
        ServerMessage.Assigned whole = assigned(conversationId, seqs);
        HandoffPackage h = whole.handoff();
        return new ServerMessage.Assigned(
                conversationId,
                new HandoffPackage(
                        h.conversationId(),
                        h.reason(),
                        h.question(),
                        h.visitor(),
                        h.context(),
                        h.transcript(),
                        h.earlierConversations(),
                        h.waitedMs(),
                        null,
                        null,
                        null,
                        total));
    }

    /** A transcript page with later events still to come. */
    public static ServerMessage.Transcript page(String ref, String conversationId, long... seqs) {
        ServerMessage.Transcript t = transcript(ref, conversationId, seqs);
        return new ServerMessage.Transcript(ref, conversationId, t.state(), t.events(), true);
    }

    public static List<Long> seqs(List<TranscriptEvent> events) {
        return events.stream().map(TranscriptEvent::seq).toList();
    }

    /** The value of a future that must complete within the server's WAIT. */
    public static <T> T await(CompletableFuture<T> future) throws Exception {
        try {
            return future.get(ScriptedServer.WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("future not complete within " + ScriptedServer.WAIT, e);
        }
    }

    /** The failure of a future that must fail with a {@link ConciergeClientException} within WAIT. */
    public static ConciergeClientException failure(CompletableFuture<?> future) throws Exception {
        try {
            Object value = future.get(ScriptedServer.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            fail("expected a failure, got " + value);
            return null;
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(ConciergeClientException.class);
            return (ConciergeClientException) e.getCause();
        }
    }
}
