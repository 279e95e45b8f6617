package dev.concierge.server.routing;

import dev.concierge.bot.BotReply;
import dev.concierge.protocol.ClientMessage;
import dev.concierge.protocol.ContextClip;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.ServerMessage;
import dev.concierge.protocol.Values.BotTurn;
import dev.concierge.protocol.Values.ConversationState;
import dev.concierge.protocol.Values.HandoffReason;
import dev.concierge.protocol.Values.Role;
import dev.concierge.protocol.Values.Suggestion;
import dev.concierge.protocol.Values.TranscriptEvent;
import dev.concierge.server.auth.IdentityVerifier;
import dev.concierge.server.support.LogSafe;
import dev.concierge.store.ConversationRecord;
import dev.concierge.store.VisitorRecord;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What visitors may do: chat with the bot, ask for a human, close, rate, read history. */
final class VisitorRequests {
    private static final Logger log = LoggerFactory.getLogger(VisitorRequests.class);
    /** After this many answers in a row the bot was not sure of, a human takes over. */
    private static final int UNSURE_BEFORE_HANDOFF = 2;

    private final Router router;
    /** Visitors of verified users, by {@code site + "\n" + userId}; router thread only. */
    private final java.util.Map<String, Visitor> byUser = new java.util.HashMap<>();

    VisitorRequests(Router router) {
        this.router = router;
    }

    /**
     * A visitor's hello, with what the store knows of them and what the site's secret vouched for
     * ({@code verified}: the user id, and the email when it was signed too).
     */
    void hello(
            Session session,
            ClientMessage.Hello hello,
            StoredVisitor stored,
            java.util.Optional<IdentityVerifier.Verified> verified) {
        if (!Router.versionOk(session, hello)) {
            return;
        }
        Visitor visitor = hello.visitorToken() == null ? null : known(hello.visitorToken(), stored);
        String user = stored.verifiedUser().map(u -> hello.site() + "\n" + u).orElse(null);
        if (user != null) {
            Visitor anonymous = visitor;
            visitor = verifiedVisitor(visitor, user, stored);
            if (visitor != null && anonymous != null && anonymous != visitor && anonymous.user == null) {
                carryOver(anonymous, visitor);
            }
        }
        boolean rejected = user == null && hello.identity() != null;
        boolean emailRejected = false;
        if (visitor == null) {
            visitor = newVisitor(session);
        }
        if (user != null && visitor.user == null) {
            // First time this user is seen: this visitor is them from now on, on every device.
            visitor.user = user;
            byUser.put(user, visitor);
            router.store.linkUser(hello.site(), stored.verifiedUser().get(), visitor.id);
        }
        String contextRefused = merge(visitor, hello.context());
        if (user != null && hello.identity() != null) {
            // The identity the site vouched for wins over what the page typed in the same hello:
            // its name and email (docs/protocol.md, hello); only a signed email counts as verified.
            var identity = hello.identity();
            String identityRefused = merge(visitor, ContextClip.nameAndEmail(identity.name(), identity.email()));
            contextRefused = contextRefused != null ? contextRefused : identityRefused;
            visitor.verifiedEmail =
                    verified.flatMap(IdentityVerifier.Verified::email).orElse(null);
            if (identity.emailSignature() != null && visitor.verifiedEmail == null) {
                log.warn(
                        "identity email not vouched for on session {} (site {})",
                        session.id(),
                        LogSafe.text(hello.site()));
                emailRejected = true;
            }
        }
        boolean unknownDepartment = hello.department() != null && !knownDepartment(hello.department());
        if (hello.department() != null && !unknownDepartment) {
            visitor.department = hello.department();
        }
        if (visitor.open != null && visitor.open.state == ConversationState.ASSIGNED) {
            // A new page, a sign-in: the agent's visitor panel follows.
            router.toAgent(
                    visitor.open, new ServerMessage.VisitorUpdate(visitor.open.id, visitor.info(), visitor.context));
        }
        router.store.saveVisitor(new VisitorRecord(visitor.id, visitor.token, visitor.context, visitor.firstSeen));
        visitor.sessions.add(session);
        visitor.goneSince = null;
        router.visitorSessions.put(session, visitor);
        Conversation open = visitor.open;
        session.send(new ServerMessage.Welcome(
                hello.id(),
                hello.version(),
                Role.VISITOR,
                visitor.id,
                visitor.token,
                open == null ? null : open.id,
                null,
                earlier(visitor)));
        if (contextRefused != null) {
            // The stored context is full: the visitor goes on with it, unchanged.
            Router.error(session, ErrorCode.BAD_REQUEST, contextRefused, hello.id());
        }
        if (rejected) {
            // Not vouched for by the site's secret: say so; the visitor goes on anonymously.
            log.warn("identity rejected on session {} (site {})", session.id(), LogSafe.text(hello.site()));
            Router.error(
                    session,
                    ErrorCode.IDENTITY_REJECTED,
                    "The identity could not be verified; continuing anonymously.",
                    hello.id());
        } else if (emailRejected) {
            Router.error(
                    session,
                    ErrorCode.EMAIL_REJECTED,
                    "The identity's email could not be verified; it is shown as typed.",
                    hello.id());
        }
        if (unknownDepartment) {
            // Routed as if none was named: the conversation still reaches someone.
            log.warn(
                    "hello names an unknown department on session {} (site {})",
                    session.id(),
                    LogSafe.text(hello.site()));
            unknownDepartment(session, hello.id());
        }
        if (hello.resume() != null && !replayable(visitor, hello.resume().conversationId(), stored)) {
            // Say it outright: the client drops its copy and loads afresh (docs/protocol.md).
            Router.error(session, ErrorCode.CANNOT_RESUME, "That conversation can no longer be replayed.", null);
        }
        if (open != null) {
            long after = hello.resume() != null && open.id.equals(hello.resume().conversationId())
                    ? hello.resume().lastSeq()
                    : 0;
            session.send(Router.transcriptPage(null, open.id, open.state, open.visibleToVisitor(after)));
            router.dispatcher.status(open).ifPresent(session::send);
            open.receipts(Role.AGENT).forEach(session::send);
        }
        session.send(router.dispatcher.availability());
    }

    /** A department of the team (agents file) or a site's configured one. */
    private boolean knownDepartment(String department) {
        return router.dispatcher.config.departments().contains(department)
                || router.sites.values().stream()
                        .anyMatch(s -> s.department().filter(department::equals).isPresent());
    }

    private static void unknownDepartment(Session session, String ref) {
        Router.error(session, ErrorCode.UNKNOWN_DEPARTMENT, "department: no such department is configured.", ref);
    }

    /**
     * "Never repeat yourself": a visitor who chatted anonymously and then signs in as a user the
     * site already knows keeps that chat: their open conversation moves to the user, unless the
     * user has an open one of their own (then it stays where it is, readable by its token).
     */
    private void carryOver(Visitor anonymous, Visitor user) {
        Conversation c = anonymous.open;
        if (c == null || user.open != null) {
            return;
        }
        anonymous.open = null;
        anonymous.conversationIds.remove(c.id);
        c.visitor = user;
        user.open = c;
        user.conversationIds.add(c.id);
        router.saveRecord(c);
        log.info(
                "conversation {} moved from anonymous visitor {} to signed-in visitor {}", c.id, anonymous.id, user.id);
    }

    /** The live visitor of a verified user whose visitor is {@code visitorId}, forgotten (erasure). */
    java.util.Optional<Visitor> forgetUser(String visitorId) {
        Visitor found = null;
        for (var it = byUser.values().iterator(); it.hasNext(); ) {
            Visitor v = it.next();
            if (v.id.equals(visitorId)) {
                found = v;
                it.remove();
            }
        }
        return java.util.Optional.ofNullable(found);
    }

    private Visitor newVisitor(Session session) {
        Visitor visitor = new Visitor(router.ids.visitorId(), router.ids.visitorToken());
        visitor.firstSeen = router.clock.instant();
        router.visitorsById.put(visitor.id, visitor);
        router.visitorsByToken.put(visitor.token, visitor);
        log.info("new visitor {} on session {}", visitor.id, session.id());
        return visitor;
    }

    /**
     * The visitor a verified user is: the one they are linked to (live, or stored: then it gets
     * a fresh token, as the store keeps only hashes), else the token's visitor unless that one is
     * another user's, else null (a new visitor). Never links a user to another user's visitor.
     */
    private Visitor verifiedVisitor(Visitor byToken, String user, StoredVisitor stored) {
        Visitor linked = byUser.get(user);
        if (linked == null
                && stored.userVisitor().isPresent()
                && !router.erased.contains(stored.userVisitor().get().id())) {
            VisitorRecord record = stored.userVisitor().get();
            linked = router.visitorsById.get(record.id());
            if (linked == null) {
                linked = Recovery.adopt(router, record, stored.userConversations());
            }
            if (linked.token == null || linked.token.startsWith("sha256:")) {
                linked.token = router.ids.visitorToken();
                router.visitorsByToken.put(linked.token, linked);
            }
            linked.user = user;
            byUser.put(user, linked);
        }
        if (linked != null) {
            return linked;
        }
        return byToken != null && (byToken.user == null || byToken.user.equals(user)) ? byToken : null;
    }

    /** The visitor's closed conversations, newest first, at most 20. */
    private java.util.List<dev.concierge.protocol.Values.EarlierConversation> earlier(Visitor visitor) {
        java.util.List<dev.concierge.protocol.Values.EarlierConversation> out = new java.util.ArrayList<>();
        java.util.List<String> ids = visitor.conversationIds;
        for (int i = ids.size() - 1; i >= 0 && out.size() < 20; i--) {
            Conversation live = router.conversations.get(ids.get(i));
            if (live != null) {
                if (live.state == ConversationState.CLOSED) {
                    out.add(new dev.concierge.protocol.Values.EarlierConversation(
                            live.id, live.startedAt, live.firstLine, live.score));
                }
            } else {
                ConversationRecord r = visitor.stored.get(ids.get(i));
                if (r != null && r.state() == ConversationState.CLOSED) {
                    out.add(new dev.concierge.protocol.Values.EarlierConversation(
                            r.id(), r.startedAt(), r.firstLine(), r.score()));
                }
            }
        }
        return out;
    }

    /** Whether a conversation the client asks to resume is still this visitor's to replay. */
    private boolean replayable(Visitor visitor, String conversationId, StoredVisitor stored) {
        Conversation live = router.conversations.get(conversationId);
        if (live != null) {
            return live.visitor.id.equals(visitor.id);
        }
        return stored.resumed().map(r -> r.visitorId().equals(visitor.id)).orElse(false);
    }

    /** A visitor by token: live, or stored (after a restart), or null. */
    private Visitor known(String token, StoredVisitor stored) {
        Visitor visitor = router.visitorsByToken.get(token);
        if (visitor == null) {
            // Read beforehand on the reader pool (Router#visitorHello), never on this thread.
            visitor = stored.visitor()
                    .filter(r -> !router.erased.contains(r.id()))
                    .map(r -> Recovery.adopt(router, r, stored.conversations()))
                    .orElse(null);
            if (visitor != null) {
                visitor.token = token; // the stored record holds only the token's hash
                router.visitorsByToken.put(token, visitor);
            }
        }
        return visitor;
    }

    void handle(Session session, ClientMessage message) {
        Visitor visitor = router.visitorSessions.get(session);
        if (visitor == null) {
            Router.error(session, ErrorCode.HELLO_REQUIRED, Router.HELLO_FIRST, message.id());
            return;
        }
        // Java 17 has no pattern switch; one instanceof per permitted type, forbidden ones last.
        if (message instanceof ClientMessage.Send send) {
            send(session, visitor, send);
        } else if (message instanceof ClientMessage.Handoff handoff) {
            handoff(session, visitor, handoff);
        } else if (message instanceof ClientMessage.Typing typing) {
            typing(visitor, typing);
        } else if (message instanceof ClientMessage.Close close) {
            close(session, visitor, close);
        } else if (message instanceof ClientMessage.Rate rate) {
            rate(session, visitor, rate);
        } else if (message instanceof ClientMessage.History history) {
            history(session, visitor, history);
        } else if (message instanceof ClientMessage.LeaveMessage leave) {
            leaveMessage(session, visitor, leave);
        } else if (message instanceof ClientMessage.Receipt receipt) {
            receipt(visitor, receipt);
        } else if (message instanceof ClientMessage.UpdateContext update) {
            updateContext(session, visitor, update);
        } else if (message instanceof ClientMessage.Hello hello) {
            Router.error(session, ErrorCode.BAD_REQUEST, Router.HELLO_REPEATED, hello.id());
        } else {
            Router.error(session, ErrorCode.FORBIDDEN, "Visitors may not send this message type.", message.id());
        }
    }

    /** The visitor's own conversation by id, or null after telling them it does not exist. */
    private Conversation own(Session session, Visitor visitor, String conversationId, String ref) {
        Conversation c = router.conversations.get(conversationId);
        if (c == null || !c.visitor.id.equals(visitor.id)) {
            Router.notFound(session, ref); // a guessed id gets the same answer as a missing one
            return null;
        }
        return c;
    }

    private Conversation openOrStart(Visitor visitor) {
        if (visitor.open == null) {
            Conversation c = new Conversation(router.ids.conversationId(), visitor, router.clock.instant());
            c.department = visitor.department;
            router.conversations.put(c.id, c);
            visitor.conversationIds.add(c.id);
            visitor.open = c;
            router.saveRecord(c);
            log.info("conversation {} started by visitor {}", c.id, visitor.id);
        }
        return visitor.open;
    }

    private void send(Session session, Visitor visitor, ClientMessage.Send send) {
        Conversation c;
        if (send.conversationId() == null) {
            c = visitor.open != null && visitor.open.byClientId.containsKey(send.id())
                    ? visitor.open
                    : openOrStart(visitor);
        } else {
            c = own(session, visitor, send.conversationId(), send.id());
            if (c == null) {
                return;
            }
        }
        CompletableFuture<Long> existing = c.byClientId.get(send.id());
        if (existing != null) {
            router.ackWhenStored(session, send.id(), c, existing);
            return;
        }
        if (c.state == ConversationState.CLOSED) {
            Router.error(session, ErrorCode.BAD_STATE, Router.CONVERSATION_CLOSED, send.id());
            return;
        }
        c.lastVisitorText = send.text();
        if (c.firstLine == null) {
            c.firstLine = send.text();
            router.saveRecord(c);
        }
        boolean toBot = c.state == ConversationState.BOT;
        // A question to a bot with a thread free is stored with its answer, in one commit.
        router.message(
                session,
                c,
                send.id(),
                TranscriptEvent.message(send.id(), visitor.author(), send.text()),
                toBot && router.bot.hasFreeThread());
        if (toBot) {
            CompletableFuture<BotService.Answer> reply = send.entryId() != null
                    ? router.bot.answer(send.text(), send.entryId())
                    : router.bot.answer(send.text());
            reply.whenCompleteAsync(
                    (answer, error) -> {
                        if (error != null) {
                            log.error("bot failed on conversation {}", c.id, error);
                        } else {
                            botReplied(c, send.text(), answer);
                        }
                        router.appends.releaseHeld(c); // if the bot said nothing, the question is stored alone
                    },
                    router.executor);
        }
    }

    private void botReplied(Conversation c, String question, BotService.Answer answer) {
        BotReply reply = answer.reply();
        java.util.Optional<String> department = answer.department();
        if (c.state != ConversationState.BOT) {
            return; // a human took over meanwhile; the bot stays quiet
        }
        List<Suggestion> suggestions = reply.suggestions().stream()
                .limit(3)
                .map(s -> new Suggestion(s.entryId(), s.question()))
                .toList();
        switch (reply.kind()) {
            case ANSWER, SMALL_TALK -> {
                c.unsureInRow = 0;
                if (c.department == null) {
                    // The answered entry's tag names the team that knows the topic.
                    department.ifPresent(d -> c.department = d);
                }
                botTurn(
                        c,
                        reply.text(),
                        new BotTurn(
                                true,
                                reply.entryId().orElse(null),
                                reply.confidence(),
                                List.of(),
                                false,
                                answer.entryQuestion().orElse(null)));
            }
            case HUMAN_REQUEST -> {
                botTurn(c, reply.text(), new BotTurn(false, null, reply.confidence(), List.of(), false));
                router.dispatcher.handoff(c, HandoffReason.VISITOR_ASKED, null);
            }
            case NOT_SURE -> {
                c.unsureInRow++;
                c.unansweredQuestion = question;
                if (c.unsureInRow >= UNSURE_BEFORE_HANDOFF) {
                    botTurn(
                            c,
                            "I'm still not sure I can answer that, so let me get you a person.",
                            new BotTurn(false, null, reply.confidence(), suggestions, false));
                    router.dispatcher.handoff(c, HandoffReason.BOT_UNSURE, null);
                } else {
                    botTurn(c, reply.text(), new BotTurn(false, null, reply.confidence(), suggestions, true));
                }
            }
        }
    }

    private void botTurn(Conversation c, String text, BotTurn turn) {
        router.appendAndBroadcast(c, TranscriptEvent.bot(text, turn));
    }

    private void handoff(Session session, Visitor visitor, ClientMessage.Handoff handoff) {
        if (handoff.department() != null && !knownDepartment(handoff.department())) {
            unknownDepartment(session, handoff.id()); // before a conversation is started for it
            return;
        }
        Conversation c = handoff.conversationId() == null
                ? openOrStart(visitor)
                : own(session, visitor, handoff.conversationId(), handoff.id());
        if (c == null) {
            return;
        }
        CompletableFuture<Long> existing = c.byClientId.get(handoff.id());
        if (existing != null) {
            router.ackWhenStored(session, handoff.id(), c, existing);
        } else if (c.state == ConversationState.BOT) {
            if (handoff.department() != null) {
                c.department = handoff.department();
            }
            router.ackWhenStored(
                    session, handoff.id(), c, router.dispatcher.handoff(c, HandoffReason.VISITOR_ASKED, handoff.id()));
        } else if (c.state == ConversationState.CLOSED) {
            Router.error(session, ErrorCode.BAD_STATE, Router.CONVERSATION_CLOSED, handoff.id());
        } else {
            session.send(new ServerMessage.Ack(handoff.id(), c.id, 0)); // already with a human
        }
    }

    private void typing(Visitor visitor, ClientMessage.Typing typing) {
        Conversation c = router.conversations.get(typing.conversationId());
        if (c != null && c.visitor.id.equals(visitor.id) && c.state == ConversationState.ASSIGNED) {
            router.toAgent(c, new ServerMessage.Typing(c.id, Role.VISITOR, typing.typing()));
        }
    }

    private void close(Session session, Visitor visitor, ClientMessage.Close close) {
        Conversation c = own(session, visitor, close.conversationId(), close.id());
        if (c != null) {
            Closing.close(router, session, c, visitor.author(), close);
        }
    }

    private void rate(Session session, Visitor visitor, ClientMessage.Rate rate) {
        Conversation c = own(session, visitor, rate.conversationId(), rate.id());
        if (c == null) {
            return;
        }
        CompletableFuture<Long> existing = c.byClientId.get(rate.id());
        if (existing != null) {
            router.ackWhenStored(session, rate.id(), c, existing);
            return;
        }
        if (c.state != ConversationState.CLOSED || c.score != null) {
            Router.error(
                    session,
                    ErrorCode.BAD_STATE,
                    c.score != null ? "Already rated." : "Rate after the conversation is closed.",
                    rate.id());
            return;
        }
        c.score = rate.score();
        router.saveRecord(c);
        router.ackWhenStored(
                session,
                rate.id(),
                c,
                router.appendOnce(
                        c,
                        rate.id(),
                        TranscriptEvent.rated(rate.id(), visitor.author(), rate.score(), rate.comment())));
    }

    /** A message left while nobody could answer: the conversation becomes a follow-up. */
    private void leaveMessage(Session session, Visitor visitor, ClientMessage.LeaveMessage leave) {
        Conversation c = leave.conversationId() == null
                ? (visitor.open != null && visitor.open.byClientId.containsKey(leave.id())
                        ? visitor.open
                        : openOrStart(visitor))
                : own(session, visitor, leave.conversationId(), leave.id());
        if (c == null) {
            return;
        }
        CompletableFuture<Long> existing = c.byClientId.get(leave.id());
        if (existing != null) {
            router.ackWhenStored(session, leave.id(), c, existing);
            return;
        }
        if (c.state == ConversationState.CLOSED || c.state == ConversationState.ASSIGNED) {
            Router.error(
                    session,
                    ErrorCode.BAD_STATE,
                    c.state == ConversationState.CLOSED
                            ? Router.CONVERSATION_CLOSED
                            : "An agent is already with you; just write here.",
                    leave.id());
            return;
        }
        // The name and email go with the message whatever happens; only a full context keeps its old ones.
        merge(
                visitor,
                new dev.concierge.protocol.Values.VisitorContext(
                        leave.name(), leave.email(), null, null, null, null, java.util.Map.of()));
        router.store.saveVisitor(new VisitorRecord(visitor.id, visitor.token, visitor.context, visitor.firstSeen));
        if (c.firstLine == null) {
            c.firstLine = leave.text();
        }
        TranscriptEvent message =
                TranscriptEvent.offlineMessage(leave.id(), visitor.author(), leave.text(), leave.email());
        router.ackWhenStored(session, leave.id(), c, router.dispatcher.followUp(c, leave.id(), message, leave.email()));
    }

    /** Delivered/read marks of the visitor, relayed to the owning agent. */
    private void receipt(Visitor visitor, ClientMessage.Receipt receipt) {
        Conversation c = router.conversations.get(receipt.conversationId());
        if (c == null || !c.visitor.id.equals(visitor.id)) {
            return; // not acknowledged, so nothing to answer; nothing leaks either
        }
        c.receipt(Role.VISITOR, receipt.status(), receipt.seq()).ifPresent(frame -> router.toAgent(c, frame));
    }

    /** The visitor moved to another page or set attributes: merge, store, tell their agent. */
    private void updateContext(Session session, Visitor visitor, ClientMessage.UpdateContext update) {
        String refused = merge(visitor, update.context());
        if (refused != null) {
            Router.error(session, ErrorCode.BAD_REQUEST, refused, update.id());
            return; // nothing stored, nobody told: the context is as it was
        }
        router.store.saveVisitor(new VisitorRecord(visitor.id, visitor.token, visitor.context, visitor.firstSeen));
        session.send(new ServerMessage.Ack(update.id(), visitor.open == null ? null : visitor.open.id, 0));
        Conversation c = visitor.open;
        if (c != null && c.state == ConversationState.ASSIGNED) {
            router.toAgent(c, new ServerMessage.VisitorUpdate(c.id, visitor.info(), visitor.context));
        }
    }

    /**
     * Merges {@code next} into the visitor's context; null if it did, else why not (the merged
     * context would break a limit, see {@link Visitor#update}) and the context is unchanged.
     */
    private static String merge(Visitor visitor, dev.concierge.protocol.Values.VisitorContext next) {
        try {
            visitor.update(next);
            return null;
        } catch (IllegalArgumentException e) {
            log.info("context of visitor {} not merged: {}", visitor.id, e.getMessage());
            return e.getMessage() + " (merged with the visitor's stored context)";
        }
    }

    private void history(Session session, Visitor visitor, ClientMessage.History history) {
        Conversation c = router.conversations.get(history.conversationId());
        if (c != null && c.visitor.id.equals(visitor.id)) {
            session.send(Router.transcriptPage(history.id(), c.id, c.state, c.visibleToVisitor(history.afterSeq())));
            return;
        }
        if (c != null) {
            Router.notFound(session, history.id()); // a guessed id gets the same answer as a missing one
            return;
        }
        String visitorId = visitor.id;
        router.storedHistory(session, history, r -> r.visitorId().equals(visitorId), false);
    }
}
