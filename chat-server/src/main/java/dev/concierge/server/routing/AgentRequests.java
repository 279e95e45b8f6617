package dev.concierge.server.routing;

import dev.concierge.protocol.AgentInfo;
import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.PresenceStatus;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ServerMessage;
import dev.concierge.store.ConversationStore;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What agents may do: presence, take conversations, reply, close, read transcripts. */
final class AgentRequests {
    private static final Logger log = LoggerFactory.getLogger(AgentRequests.class);

    private final Router router;

    AgentRequests(Router router) {
        this.router = router;
    }

    void hello(Session session, AgentInfo info, ClientMessage.Hello hello) {
        Agent agent = router.live.agentOrNew(info);
        agent.departments = router.departmentsOf.apply(info.id());
        if (hello.status() != null) {
            agent.presence = hello.status(); // signing in away: nothing is assigned until they go online
        } else if (agent.sessions.isEmpty()) {
            agent.presence = PresenceStatus.ONLINE;
        }
        agent.sessions.add(session);
        router.live.addAgentSession(session, agent);
        log.info("agent {} connected on session {} ({})", info.id(), session.id(), agent.presence);
        session.send(new ServerMessage.Welcome(hello.id(), hello.version(), Role.AGENT, null, null, null, info)
                .withNode(session.node()));
        session.send(router.dispatcher.settings());
        router.dispatcher.feed.open(session); // the queue's first page, once, after what follows
        for (String id : agent.assigned) {
            Conversation c = router.live.conversation(id).orElse(null);
            if (c != null) {
                session.send(new ServerMessage.Assigned(c.id, router.dispatcher.handoffPackage(c)));
                c.receipts(Role.VISITOR).forEach(session::send);
            }
        }
        router.dispatcher.dispatch();
        router.dispatcher.publishQueue();
        if (!router.dispatcher.publishAgents()) {
            session.send(router.dispatcher.agentsFrame()); // a second console of an agent already listed
        }
    }

    void handle(Session session, ClientMessage message) {
        Agent agent = router.live.agentOf(session).orElse(null);
        if (agent == null) {
            Router.error(session, ErrorCode.HELLO_REQUIRED, ChatCore.HELLO_FIRST, message.id());
            return;
        }
        if (message instanceof ClientMessage.Presence p) {
            presence(session, agent, p);
        } else if (message instanceof ClientMessage.Accept a) {
            accept(session, agent, a);
        } else if (message instanceof ClientMessage.Send s) {
            send(session, agent, s);
        } else if (message instanceof ClientMessage.Typing t) {
            typing(agent, t);
        } else if (message instanceof ClientMessage.Close c) {
            close(session, agent, c);
        } else if (message instanceof ClientMessage.History h) {
            history(session, h);
        } else if (message instanceof ClientMessage.Transfer t) {
            transfer(session, agent, t);
        } else if (message instanceof ClientMessage.Note n) {
            note(session, agent, n);
        } else if (message instanceof ClientMessage.Receipt r) {
            receipt(agent, r);
        } else if (message instanceof ClientMessage.QueuePage q) {
            router.dispatcher.feed.page(session, q.id(), q.offset());
        } else if (message instanceof ClientMessage.Hello h) {
            Router.error(session, ErrorCode.BAD_REQUEST, Router.HELLO_REPEATED, h.id());
        } else {
            Router.error(session, ErrorCode.FORBIDDEN, "Agents may not send this message type.", message.id());
        }
    }

    /** A conversation this agent owns, or null after telling them it does not exist. */
    private Conversation owned(Session session, Agent agent, String conversationId, String ref) {
        Conversation c = router.live.conversation(conversationId).orElse(null);
        if (c == null || !agent.info.id().equals(c.agentId)) {
            Router.notFound(session, ref);
            return null;
        }
        return c;
    }

    private void presence(Session session, Agent agent, ClientMessage.Presence p) {
        agent.presence = p.status();
        log.info("agent {} is {}", agent.info.id(), p.status());
        Acks.now(session, p.id(), null, 0);
        router.dispatcher.dispatch();
        router.dispatcher.publishQueue();
        router.dispatcher.publishAgents();
    }

    private void accept(Session session, Agent agent, ClientMessage.Accept a) {
        Conversation c = router.live.conversation(a.conversationId()).orElse(null);
        if (c == null) {
            Router.notFound(session, a.id());
        } else if (!router.dispatcher.isQueued(c)) {
            Router.error(session, ErrorCode.BAD_STATE, "This conversation is no longer in the queue.", a.id());
        } else {
            router.dispatcher.assign(c, agent);
        }
    }

    private void send(Session session, Agent agent, ClientMessage.Send s) {
        if (s.conversationId() == null) {
            Router.error(session, ErrorCode.BAD_REQUEST, "conversationId is required", s.id());
            return;
        }
        Conversation c = owned(session, agent, s.conversationId(), s.id());
        if (c == null) {
            return;
        }
        router.attachmentRefs.resolve(session, c, s, "agent:" + agent.info.id(), file -> {
            if (c.state != ConversationState.ASSIGNED) {
                Router.error(session, ErrorCode.BAD_STATE, Router.CONVERSATION_CLOSED, s.id());
                return;
            }
            String text = s.text() == null ? "" : s.text();
            router.idempotency.message(
                    session,
                    c,
                    s.id(),
                    TranscriptEvent.message(s.id(), agent.author(), text).withAttachment(file),
                    false,
                    replyMails(router, c, agent.info.name()));
        });
    }

    /**
     * The mails of an agent's {@code message} in {@code c} ({@link MailPolicy#agentMessage}), none
     * when the server sends no email: the same for a reply from the console and from the REST API.
     */
    static Function<TranscriptEvent, List<ConversationStore.OutboundMail>> replyMails(
            Router router, Conversation c, String agentName) {
        MailPolicy mail = router.outbound.mail().orElse(null);
        return e -> mail == null ? List.of() : mail.agentMessage(c, e, agentName);
    }

    private void typing(Agent agent, ClientMessage.Typing t) {
        Conversation c = router.live.conversation(t.conversationId()).orElse(null);
        if (c != null && agent.info.id().equals(c.agentId) && c.state == ConversationState.ASSIGNED) {
            router.toVisitor(c, new ServerMessage.Typing(c.id, Role.AGENT, t.typing()));
        }
    }

    private void close(Session session, Agent agent, ClientMessage.Close close) {
        Conversation c = owned(session, agent, close.conversationId(), close.id());
        if (c != null) {
            Closing.close(router, session, c, agent.author(), close);
        }
    }

    /** Hands a conversation the agent owns to another agent or to a department, with a note. */
    private void transfer(Session session, Agent agent, ClientMessage.Transfer t) {
        Conversation c = owned(session, agent, t.conversationId(), t.id());
        if (c == null) {
            return;
        }
        if (Idempotency.resent(session, c, t.id())) {
            return;
        }
        if (c.state != ConversationState.ASSIGNED) {
            Router.error(session, ErrorCode.BAD_STATE, "Only a conversation you are in can be transferred.", t.id());
            return;
        }
        if (t.agentId() != null) {
            if (t.agentId().equals(agent.info.id())) {
                Router.error(session, ErrorCode.BAD_REQUEST, "You already own this conversation.", t.id());
                return;
            }
            Agent to = router.live.agent(t.agentId()).orElse(null);
            if (to == null || !to.available()) {
                Router.error(session, ErrorCode.UNAVAILABLE, "That agent is not online.", t.id());
                return;
            }
            int cap = router.dispatcher.config.maxChatsPerAgent();
            if (to.assigned.size() >= cap && !Boolean.TRUE.equals(t.force())) {
                Router.error(
                        session,
                        ErrorCode.AGENT_AT_CAPACITY,
                        to.info.name() + " already has " + to.assigned.size() + " of " + cap
                                + " chats. Send the transfer again with force to give it to them anyway.",
                        t.id());
                return;
            }
            log.info("agent {} transfers {} to agent {}", agent.info.id(), c.id, to.info.id());
            Acks.whenStored(session, t.id(), c, router.dispatcher.transferToAgent(c, agent, to, t.id(), t.note()));
        } else {
            if (!router.dispatcher.config.departments().contains(t.department())) {
                Router.error(session, ErrorCode.UNAVAILABLE, "No such department.", t.id());
                return;
            }
            log.info("agent {} transfers {} to department {}", agent.info.id(), c.id, t.department());
            Acks.whenStored(
                    session,
                    t.id(),
                    c,
                    router.dispatcher.transferToDepartment(c, agent, t.department(), t.id(), t.note()));
        }
    }

    /** An internal note: stored, shown to agents, never to the visitor. */
    private void note(Session session, Agent agent, ClientMessage.Note n) {
        Conversation c = owned(session, agent, n.conversationId(), n.id());
        if (c == null) {
            return;
        }
        if (!Idempotency.seen(c, n.id()) && c.state == ConversationState.CLOSED) {
            Router.error(session, ErrorCode.BAD_STATE, Router.CONVERSATION_CLOSED, n.id());
            return;
        }
        Acks.whenStored(
                session,
                n.id(),
                c,
                router.appendOnce(c, n.id(), TranscriptEvent.note(n.id(), agent.author(), n.text())));
    }

    /** Delivered/read marks of the agent, relayed to the visitor. */
    private void receipt(Agent agent, ClientMessage.Receipt r) {
        Conversation c = router.live.conversation(r.conversationId()).orElse(null);
        if (c == null || !agent.info.id().equals(c.agentId)) {
            return;
        }
        c.receipt(Role.AGENT, r.status(), r.seq()).ifPresent(frame -> router.toVisitor(c, frame));
    }

    private void history(Session session, ClientMessage.History h) {
        Conversation c = router.live.conversation(h.conversationId()).orElse(null);
        if (c != null) {
            session.send(History.page(h.id(), c.id, c.state, c.committedAfter(h.afterSeq())));
            return;
        }
        router.history.stored(session, h, r -> true, true); // agents may read any conversation, notes included
    }
}
