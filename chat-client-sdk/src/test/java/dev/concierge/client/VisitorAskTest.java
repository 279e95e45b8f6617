package dev.concierge.client;

import static dev.concierge.client.testing.Frames.ack;
import static dev.concierge.client.testing.Frames.await;
import static dev.concierge.client.testing.Frames.event;
import static dev.concierge.client.testing.Frames.failure;
import static dev.concierge.client.testing.Frames.message;
import static dev.concierge.client.testing.Frames.visitorWelcome;
import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.client.testing.ScriptedServer;
import dev.concierge.client.testing.VisitorClientFixture;
import dev.concierge.protocol.Author;
import dev.concierge.protocol.BotTurn;
import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.TranscriptEvent.Kind;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ServerMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** {@link VisitorClient#ask}: answers paired with their question by seq, whatever order frames come in. */
final class VisitorAskTest extends VisitorClientFixture {
    /** The bot's turn {@code seq}, replying to the message {@code replyTo}. */
    private static ServerMessage.Event botReply(String conversationId, long seq, long replyTo) {
        return new ServerMessage.Event(
                conversationId,
                seq,
                Instant.parse("2026-11-23T10:15:30Z").plusSeconds(seq),
                null,
                Kind.BOT,
                Author.BOT,
                "answer to " + replyTo,
                new BotTurn(true, "entry-" + replyTo, 0.9, List.of(), false).withReplyTo(replyTo),
                null,
                null,
                null,
                null);
    }

    @Test
    void repliesInTheOtherOrder_eachAskGetsTheReplyToItsOwnSeq() throws Exception {
        ScriptedServer.Peer peer = connect(builder());
        CompletableFuture<Answer> first = client.ask("Where is my order?");
        CompletableFuture<Answer> second = client.ask("How do I return an item?");
        ClientMessage.Send a = peer.expect(ClientMessage.Send.class);
        ClientMessage.Send b = peer.expect(ClientMessage.Send.class);
        peer.send(message("c7", 1, a.id()));
        peer.send(message("c7", 2, b.id()));
        peer.send(botReply("c7", 3, 2)); // the second question's answer comes first
        assertThat(await(second)).isInstanceOfSatisfying(Answer.BotReply.class, reply -> {
            assertThat(reply.question().seq()).isEqualTo(2);
            assertThat(reply.reply().seq()).isEqualTo(3);
            assertThat(reply.text()).isEqualTo("answer to 2");
        });
        assertThat(first).isNotDone();
        peer.send(botReply("c7", 4, 1));
        assertThat(await(first)).isInstanceOfSatisfying(Answer.BotReply.class, reply -> {
            assertThat(reply.question().seq()).isEqualTo(1);
            assertThat(reply.question().id()).isEqualTo(a.id());
            assertThat(reply.text()).isEqualTo("answer to 1");
            assertThat(reply.answered()).isTrue();
        });
    }

    @Test
    void aReplyThatComesBeforeTheAck_answersTheAskWhenTheAckCame() throws Exception {
        ScriptedServer.Peer peer = connect(builder());
        CompletableFuture<Answer> asking = client.ask("Where is my order?");
        ClientMessage.Send sent = peer.expect(ClientMessage.Send.class);
        peer.send(message("c7", 1, null)); // a protocol 1 server: the event carries no request id
        peer.send(botReply("c7", 2, 1));
        assertThat(asking).isNotDone(); // which message is the ask's: only the ack says
        peer.send(ack(sent, "c7", 1));
        assertThat(await(asking)).isInstanceOfSatisfying(Answer.BotReply.class, reply -> assertThat(
                        reply.reply().seq())
                .isEqualTo(2));
    }

    @Test
    void aHandoffBeforeTheBotAnswers_answersWithTheHandoff() throws Exception {
        ScriptedServer.Peer peer = connect(builder());
        CompletableFuture<Answer> asking = client.ask("Where is my order?");
        ClientMessage.Send sent = peer.expect(ClientMessage.Send.class);
        peer.send(message("c7", 1, sent.id()));
        peer.send(event("c7", 2, null, Kind.HANDOFF));
        assertThat(await(asking)).isInstanceOfSatisfying(Answer.Handoff.class, handoff -> assertThat(
                        handoff.event().seq())
                .isEqualTo(2));
    }

    /**
     * A question the server held while its bot answered is delivered after the visitor's request
     * for a person that followed it, and a transcript frame meanwhile says the conversation is
     * queued: the handoff the log holds after the question explains that state, so the question
     * was still the bot's, and the handoff answers it.
     */
    @Test
    void aHandoffDeliveredBeforeTheQuestionItFollows_answersWithTheHandoff_thoughATranscriptSaysQueued()
            throws Exception {
        ScriptedServer.Peer peer = connect(builder());
        peer.send(message("c7", 1, "earlier"));
        CompletableFuture<Answer> asking = client.ask("Where is my order?");
        ClientMessage.Send sent = peer.expect(ClientMessage.Send.class);
        TranscriptEvent handoff = event("c7", 4, null, Kind.HANDOFF).toTranscriptEvent();
        peer.send(event("c7", 4, null, Kind.HANDOFF)); // seq 2 and 3 are not here yet
        peer.send(new ServerMessage.Transcript(null, "c7", ConversationState.QUEUED, List.of(handoff)));
        peer.send(ack(sent, "c7", 3));
        assertThat(await(asking))
                .isInstanceOfSatisfying(
                        Answer.Handoff.class, h -> assertThat(h.event().seq()).isEqualTo(4));
    }

    /** The reverse: the handoff before the question arrives after its ack; it makes the question the person's. */
    @Test
    void aHandoffBeforeTheQuestion_arrivingAfterItsAck_makesItForAgent() throws Exception {
        ScriptedServer.Peer peer = connect(builder());
        peer.send(message("c7", 1, "earlier"));
        CompletableFuture<Answer> asking = client.ask("Are you there?");
        ClientMessage.Send sent = peer.expect(ClientMessage.Send.class);
        peer.send(new ServerMessage.Transcript(null, "c7", ConversationState.QUEUED, List.of()));
        peer.send(ack(sent, "c7", 3));
        assertThat(asking).as("seq 2 is still on its way").isNotDone();
        peer.send(event("c7", 2, null, Kind.HANDOFF));
        assertThat(await(asking)).isInstanceOfSatisfying(Answer.ForAgent.class, waiting -> assertThat(
                        waiting.question().seq())
                .isEqualTo(3));
    }

    /** The bot's reply, delivered after a later handoff, still answers its question. */
    @Test
    void aReplyDeliveredAfterALaterHandoff_answersTheQuestion() throws Exception {
        ScriptedServer.Peer peer = connect(builder());
        peer.send(message("c7", 1, "earlier"));
        CompletableFuture<Answer> asking = client.ask("Where is my order?");
        ClientMessage.Send sent = peer.expect(ClientMessage.Send.class);
        peer.send(ack(sent, "c7", 2));
        peer.send(event("c7", 4, null, Kind.HANDOFF));
        assertThat(asking).as("seq 3 is still on its way").isNotDone();
        peer.send(botReply("c7", 3, 2));
        assertThat(await(asking)).isInstanceOfSatisfying(Answer.BotReply.class, reply -> assertThat(
                        reply.reply().seq())
                .isEqualTo(3));
    }

    @Test
    void anAskInAConversationAPersonHas_isForAgent_atOnce_alsoWhenOnlyTheTranscriptSaysSo() throws Exception {
        CompletableFuture<VisitorClient> connecting =
                builder().visitorToken("vt_1").connect();
        ScriptedServer.Peer peer = server.nextPeer();
        peer.send(visitorWelcome(peer.expect(ClientMessage.Hello.class), "c1"));
        // The last page of a long conversation: the assignment is not among its events.
        List<TranscriptEvent> last = List.of(
                message("c1", 40, "old-40").toTranscriptEvent(),
                event("c1", 41, null, Kind.BOT).toTranscriptEvent());
        peer.send(new ServerMessage.Transcript(null, "c1", ConversationState.ASSIGNED, last));
        client = await(connecting);

        CompletableFuture<Answer> asking = client.ask("Are you still there?");
        ClientMessage.Send sent = peer.expect(ClientMessage.Send.class);
        peer.send(message("c1", 42, sent.id()));
        assertThat(await(asking)).isInstanceOfSatisfying(Answer.ForAgent.class, waiting -> assertThat(
                        waiting.question().seq())
                .isEqualTo(42));
    }

    @Test
    void anAskStoredButUnansweredByItsDeadline_failsAsNotWithdrawn_andTheSameIdAsksAgain() throws Exception {
        ScriptedServer.Peer peer = connect(builder());
        RequestOptions options =
                RequestOptions.defaults().withRequestId("order-question-1").withDeadline(Duration.ofMillis(300));
        CompletableFuture<Answer> asking = client.ask("Where is my order?", options);
        ClientMessage.Send sent = peer.expect(ClientMessage.Send.class);
        assertThat(sent.id()).isEqualTo("order-question-1");
        peer.send(ack(sent, "c7", 1)); // stored; the bot never answers

        assertThat(failure(asking))
                .isInstanceOfSatisfying(DeadlineExceededException.class, e -> assertThat(e.withdrawn())
                        .isFalse());
        // The id is free again: the retry carries it, so a server stores the question once.
        CompletableFuture<Answer> again = client.ask("Where is my order?", options);
        assertThat(peer.expect(ClientMessage.Send.class).id()).isEqualTo("order-question-1");
        peer.send(ack(sent, "c7", 1));
        peer.send(botReply("c7", 2, 1));
        assertThat(await(again)).isInstanceOf(Answer.BotReply.class);
    }

    @Test
    void anAskStoredButUnanswered_failsWithClientClosed_whenTheClientCloses() throws Exception {
        ScriptedServer.Peer peer = connect(builder());
        CompletableFuture<Answer> asking = client.ask("Where is my order?");
        ClientMessage.Send sent = peer.expect(ClientMessage.Send.class);
        peer.send(ack(sent, "c7", 1)); // stored; the bot has not answered yet
        long until = System.nanoTime() + ScriptedServer.WAIT.toNanos();
        while (client.conversationId().isEmpty()) { // the ack is read once the client knows its conversation
            assertThat(System.nanoTime()).as("the ack is read").isLessThan(until);
            Thread.onSpinWait();
        }

        client.close();

        assertThat(failure(asking)).isInstanceOf(ClientClosedException.class);
    }
}
