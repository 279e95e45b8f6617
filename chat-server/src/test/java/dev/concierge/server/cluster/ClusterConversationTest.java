package dev.concierge.server.cluster;

import static dev.concierge.server.cluster.ClusterFixture.agent;
import static dev.concierge.server.cluster.ClusterFixture.visitor;
import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.client.AgentClient;
import dev.concierge.client.VisitorClient;
import dev.concierge.protocol.HandoffPackage;
import dev.concierge.protocol.ServerMessage;
import dev.concierge.protocol.Values.Kind;
import dev.concierge.protocol.Values.Role;
import dev.concierge.protocol.Values.TranscriptEvent;
import dev.concierge.server.ChatServer;
import dev.concierge.server.testing.Await;
import dev.concierge.server.testing.ClusterNodes;
import dev.concierge.server.testing.HistoryChecker;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * One conversation over three nodes, each party on another one (proven by the node each
 * {@code welcome} names): the bot answers, the handoff package reaches the agent on the second
 * node, the transfer with its note reaches the agent on the third, and every message reaches
 * the others live.
 */
final class ClusterConversationTest {

    @Test
    void conversation_withEachPartyOnAnotherNode_worksAsOnOneServer() throws Exception {
        try (ClusterNodes cluster = ClusterNodes.start(3)) {
            cluster.awaitReady();
            HistoryChecker history = new HistoryChecker();
            VisitorClient visitor = visitor(List.of(cluster.uris().get(0)));
            AgentClient dana = agent(
                    List.of(cluster.uris().get(1)), ChatServer.Builder.DEMO_USERNAME, ChatServer.Builder.DEMO_PASSWORD);
            AgentClient sam = agent(
                    List.of(cluster.uris().get(2)),
                    ChatServer.Builder.DEMO2_USERNAME,
                    ChatServer.Builder.DEMO2_PASSWORD);
            assertThat(visitor.serverNode()).hasValue(cluster.nodeId(1));
            assertThat(dana.serverNode()).hasValue(cluster.nodeId(2));
            assertThat(sam.serverNode()).hasValue(cluster.nodeId(3));

            // The bot answers across nodes.
            sendAndRecord(
                    history, "visitor", visitor.send("How long does shipping take?"), "How long does shipping take?");
            String conversation = visitor.conversationId().orElseThrow();
            Await.until("the bot answered", () -> visitor.transcript().stream().anyMatch(e -> e.kind() == Kind.BOT));

            // The handoff package reaches the agent on n2 with the bot's turn in it.
            visitor.requestHuman().get(10, TimeUnit.SECONDS);
            Await.until("n2's agent got the conversation", () -> dana.assignedConversations()
                    .containsKey(conversation));
            HandoffPackage handoff = dana.assignedConversations().get(conversation);
            assertThat(handoff.transcript()).extracting(TranscriptEvent::text).contains("How long does shipping take?");
            assertThat(handoff.transcript()).extracting(TranscriptEvent::kind).contains(Kind.BOT);

            sendAndRecord(history, "dana", dana.send(conversation, "Hi, Dana here."), "Hi, Dana here.");
            Await.until("the visitor on n1 reads Dana", () -> texts(visitor.transcript())
                    .contains("Hi, Dana here."));
            sendAndRecord(history, "visitor", visitor.send("My card was charged twice."), "My card was charged twice.");
            Await.until("Dana on n2 reads the visitor", () -> texts(dana.transcript(conversation))
                    .contains("My card was charged twice."));

            // Transfer to the agent on n3, with a note: the package carries everything.
            dana.transfer(conversation, ChatServer.Builder.DEMO2_USERNAME, "Charged twice, see above")
                    .get(10, TimeUnit.SECONDS);
            Await.until("n3's agent got the transfer", () -> sam.assignedConversations()
                    .containsKey(conversation));
            HandoffPackage transfer = sam.assignedConversations().get(conversation);
            assertThat(transfer.transferNote()).isEqualTo("Charged twice, see above");
            assertThat(transfer.transferredFrom().id()).isEqualTo(ChatServer.Builder.DEMO_USERNAME);
            assertThat(texts(transfer.transcript()))
                    .contains("How long does shipping take?", "Hi, Dana here.", "My card was charged twice.");
            Await.until("Dana no longer holds it", () -> !dana.assignedConversations()
                    .containsKey(conversation));

            sendAndRecord(
                    history,
                    "sam",
                    sam.send(conversation, "Sam from billing: refunded."),
                    "Sam from billing: refunded.");
            Await.until(
                    "the visitor reads Sam", () -> texts(visitor.transcript()).contains("Sam from billing: refunded."));

            // The agent's history: the visitor's leaves out internal notes, such as the transfer's.
            history.transcript(
                    conversation,
                    sam.history(conversation, 0).get(10, TimeUnit.SECONDS).events());
            history.verify();
            assertThat(visitor.transcript().stream()
                            .filter(e -> e.kind() == Kind.MESSAGE && e.author().role() == Role.AGENT)
                            .count())
                    .as("each agent message reached the visitor once")
                    .isEqualTo(2);
            visitor.close();
            dana.close();
            sam.close();
        }
    }

    private static void sendAndRecord(
            HistoryChecker history,
            String sender,
            java.util.concurrent.CompletableFuture<ServerMessage.Ack> ack,
            String text)
            throws Exception {
        history.sent(sender, text);
        history.acknowledged(sender, text, ack.get(10, TimeUnit.SECONDS));
    }

    private static List<String> texts(List<TranscriptEvent> events) {
        return events.stream().map(TranscriptEvent::text).toList();
    }
}
