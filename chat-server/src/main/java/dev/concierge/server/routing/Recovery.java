package dev.concierge.server.routing;

import dev.concierge.protocol.AgentInfo;
import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.TranscriptEvent.Kind;
import dev.concierge.store.ConversationRecord;
import dev.concierge.store.VisitorRecord;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds the router's live state from the store after a restart or a crash: open
 * conversations with their transcripts and client ids (so resends stay idempotent), the queue
 * in its old order, and each assigned conversation back with its agent for when they reconnect.
 * Runs on the router thread before the server accepts connections.
 */
public final class Recovery {
    private static final Logger log = LoggerFactory.getLogger(Recovery.class);

    private Recovery() {}

    /** Rebuilds {@code router}'s live state from its store; on the router thread ({@link Router#call}). */
    public static void recover(Router router, Function<String, Optional<AgentInfo>> agentById) {
        List<ConversationRecord> open = router.store().openConversations();
        int queued = 0;
        int assigned = 0;
        List<ConversationRecord> byQueueOrder = open.stream()
                .sorted(Comparator.comparing(
                        (ConversationRecord r) -> r.queuedAt() == null ? r.startedAt() : r.queuedAt()))
                .toList();
        for (ConversationRecord record : byQueueOrder) {
            Visitor visitor = visitor(router, record.visitorId());
            if (visitor == null) {
                log.warn("conversation {} has no stored visitor; left closed to the router", record.id());
                continue;
            }
            Conversation c = rebuild(router, visitor, record);
            if (c.state == ConversationState.QUEUED || c.state == ConversationState.FOLLOW_UP) {
                router.dispatcher.requeue(c);
                queued++;
            } else if (c.state == ConversationState.ASSIGNED) {
                Optional<AgentInfo> info = agentById.apply(c.agentId);
                if (info.isPresent()) {
                    Agent agent = router.live.agentOrNew(info.get());
                    agent.assigned.add(c.id);
                    assigned++;
                } else {
                    // The agent no longer exists: the conversation goes back to the queue.
                    c.state = ConversationState.QUEUED;
                    c.agentId = null;
                    router.dispatcher.requeue(c);
                    router.saveRecord(c);
                    queued++;
                }
            }
        }
        log.info("recovered {} open conversations ({} queued, {} with an agent)", open.size(), queued, assigned);
    }

    /** The visitor with this id, loaded from the store on first use; null if unknown. */
    static Visitor visitor(Router router, String visitorId) {
        Visitor visitor = router.live.visitor(visitorId).orElse(null);
        if (visitor != null) {
            return visitor;
        }
        Optional<VisitorRecord> record = router.store().visitor(visitorId);
        if (record.isEmpty()) {
            return null;
        }
        return adopt(router, record.get(), router.store().conversationsOf(visitorId));
    }

    /** Makes a stored visitor live, with their stored conversations (read beforehand). */
    static Visitor adopt(Router router, VisitorRecord record, List<ConversationRecord> conversations) {
        Visitor visitor = router.live.visitor(record.id()).orElse(null);
        if (visitor == null) {
            visitor = new Visitor(record.id(), record.token());
            visitor.context = record.context();
            visitor.firstSeen = record.firstSeen();
            visitor.goneSince = router.clock.instant(); // no socket yet: a hello clears it
            router.live.addVisitor(visitor); // by id only: the stored token is a hash
            for (ConversationRecord c : conversations) {
                if (c.agentId() != null) {
                    visitor.lastAgentId = c.agentId();
                }
                visitor.conversationIds.add(c.id());
                visitor.stored.put(c.id(), c);
            }
        }
        return visitor;
    }

    private static Conversation rebuild(Router router, Visitor visitor, ConversationRecord record) {
        return rebuild(router, visitor, record, router.store().events(record.id(), 0));
    }

    /** Makes a stored conversation live from its record and events (read beforehand); it becomes the visitor's open one. */
    static Conversation rebuild(
            Router router, Visitor visitor, ConversationRecord record, List<TranscriptEvent> events) {
        Conversation c = new Conversation(record.id(), visitor, record.startedAt(), record.site());
        c.state = record.state();
        c.agentId = record.agentId();
        c.queuedAt = record.queuedAt();
        c.assignedAt = record.assignedAt();
        c.handoffReason = record.handoffReason();
        c.department = record.department();
        c.firstLine = record.firstLine();
        record.givenEmails().forEach(email -> MailPolicy.given(c, email));
        c.score = record.score();
        c.followUpAnnounced = c.state == ConversationState.FOLLOW_UP; // a restart does not announce it again
        for (TranscriptEvent e : events) {
            c.transcript.add(e);
            c.nextSeq = e.seq() + 1;
            c.committedSeq = e.seq();
            c.lastActivity = e.ts();
            if (e.id() != null) {
                Idempotency.recovered(c, e);
            }
            if ((e.kind() == Kind.MESSAGE || e.kind() == Kind.OFFLINE_MESSAGE)
                    && e.author().role() == Role.VISITOR) {
                c.lastVisitorText = e.text(); // as WaitingQueue.followUp sets it for a left message
            }
            if (e.kind() == Kind.OFFLINE_MESSAGE && record.givenEmails().isEmpty()) {
                MailPolicy.given(c, e.reason()); // a record stored before V15: the email left with the message
            }
            if (e.kind() == Kind.BOT && e.bot() != null && !e.bot().answered()) {
                c.unansweredQuestion = c.lastVisitorText;
            }
        }
        c.transcript.committed(c.committedSeq);
        router.live.addConversation(c);
        if (!visitor.conversationIds.contains(c.id)) {
            visitor.conversationIds.add(c.id);
        }
        visitor.open = c;
        return c;
    }
}
