package dev.concierge.server.testing;

import static dev.concierge.server.testing.ClusterFixture.agent;
import static dev.concierge.server.testing.ClusterFixture.visitor;

import dev.concierge.client.AgentClient;
import dev.concierge.client.VisitorClient;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.server.ChatServer;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A visitor starting on one node and an agent (Sam, whom the bursts of other scenarios leave
 * alone) on another, chatting, with their history recorded.
 */
public final class ClusterChat {
    /** Every message sent, acknowledged and stored, checked at {@link #checkAndClose()}. */
    public final HistoryChecker history = new HistoryChecker();
    /** The visitor's client. */
    public VisitorClient visitor;

    AgentClient agent;
    String conversation;

    /** Opens the chat: the visitor asks for a human, and the agent gets the conversation. */
    public static ClusterChat open(ClusterNodes cluster, int visitorNode, int agentNode) throws Exception {
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
    public void exchange(String label) throws Exception {
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
    public void checkAndClose() throws Exception {
        List<TranscriptEvent> events =
                agent.history(conversation, 0).get(10, TimeUnit.SECONDS).events();
        history.transcript(conversation, events);
        history.verify();
        visitor.closeConversation("done").get(30, TimeUnit.SECONDS);
        visitor.close();
        agent.close();
    }
}
