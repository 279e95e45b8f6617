package dev.concierge.server.cluster;

import static dev.concierge.server.cluster.ClusterFixture.agent;
import static dev.concierge.server.cluster.ClusterFixture.visitor;

import dev.concierge.client.AgentClient;
import dev.concierge.client.VisitorClient;
import dev.concierge.protocol.Values.TranscriptEvent;
import dev.concierge.server.ChatServer;
import dev.concierge.server.testing.Await;
import dev.concierge.server.testing.ClusterNodes;
import dev.concierge.server.testing.HistoryChecker;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A visitor starting on one node and an agent (Sam, whom the bursts of other scenarios leave
 * alone) on another, chatting, with their history recorded.
 */
final class ClusterChat {
    final HistoryChecker history = new HistoryChecker();
    VisitorClient visitor;
    AgentClient agent;
    String conversation;

    static ClusterChat open(ClusterNodes cluster, int visitorNode, int agentNode) throws Exception {
        ClusterChat c = new ClusterChat();
        c.visitor = visitor(ClusterFixture.from(cluster, visitorNode));
        c.agent = agent(
                ClusterFixture.from(cluster, agentNode),
                ChatServer.Builder.DEMO2_USERNAME,
                ChatServer.Builder.DEMO2_PASSWORD);
        c.visitor.requestHuman().get(10, TimeUnit.SECONDS);
        c.conversation = c.visitor.conversationId().orElseThrow();
        Await.until(
                "the agent has the conversation",
                () -> c.agent.assignedConversations().containsKey(c.conversation));
        return c;
    }

    /** One message each way, each acknowledged and read by the other side. */
    void exchange(String label) throws Exception {
        String fromVisitor = "visitor: " + label;
        history.sent("visitor", fromVisitor);
        history.acknowledged("visitor", fromVisitor, visitor.send(fromVisitor).get(30, TimeUnit.SECONDS));
        Await.until("the agent reads: " + fromVisitor, () -> agent.transcript(conversation).stream()
                .anyMatch(e -> fromVisitor.equals(e.text())));
        String fromAgent = "agent: " + label;
        history.sent("agent", fromAgent);
        history.acknowledged(
                "agent", fromAgent, agent.send(conversation, fromAgent).get(30, TimeUnit.SECONDS));
        Await.until("the visitor reads: " + fromAgent, () -> visitor.transcript().stream()
                .anyMatch(e -> fromAgent.equals(e.text())));
    }

    /** Checks the stored history, then closes the conversation and both clients. */
    void checkAndClose() throws Exception {
        List<TranscriptEvent> events =
                agent.history(conversation, 0).get(10, TimeUnit.SECONDS).events();
        history.transcript(conversation, events);
        history.verify();
        visitor.closeConversation("done").get(30, TimeUnit.SECONDS);
        visitor.close();
        agent.close();
    }
}
