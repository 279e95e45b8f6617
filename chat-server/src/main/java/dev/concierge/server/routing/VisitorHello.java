package dev.concierge.server.routing;

import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.EarlierConversation;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.VisitorContext;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ContextClip;
import dev.concierge.protocol.wire.ServerMessage;
import dev.concierge.server.auth.IdentityVerifier;
import dev.concierge.server.support.LogSafe;
import dev.concierge.store.ConversationRecord;
import dev.concierge.store.VisitorRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A visitor's hello, which says who they are: a new visitor, a returning one (by token, live or
 * stored), a verified user of the site (on every device), resuming a conversation or not. Router
 * thread only.
 */
final class VisitorHello {
    private static final Logger log = LoggerFactory.getLogger(VisitorHello.class);

    private final Router router;
    /** Hands a task to the router thread, after those the calling thread handed over before. */
    private final Executor run;
    /** Store reads, off the router thread. */
    private final Executor readers;
    /** Visitors of verified users, by {@code site + "\n" + userId}; router thread only. */
    private final Map<String, Visitor> byUser = new HashMap<>();
    /** Visitor sessions whose hello waits for stored data, with their requests meanwhile. */
    private final Map<Session, List<Runnable>> pending = new HashMap<>();

    VisitorHello(Router router, Executor run, Executor readers) {
        this.router = router;
        this.run = run;
        this.readers = readers;
    }

    /**
     * A visitor socket said hello (any thread). A returning visitor's stored data is read on the
     * reader pool first; until the hello is applied, the session's later requests wait in order
     * ({@link #waiting}).
     */
    void enter(Session session, ClientMessage.Hello hello) {
        // Identity verification is an HMAC: cheap, done here; only a verified user is looked up.
        Optional<IdentityVerifier.Verified> verified = router.site(hello.site())
                .flatMap(site -> IdentityVerifier.verify(site, hello.identity(), router.clock.instant()));
        Optional<String> user = verified.map(IdentityVerifier.Verified::userId);
        if (hello.visitorToken() == null && hello.resume() == null && user.isEmpty()) {
            run.execute(() -> hello(session, hello, StoredVisitor.NONE, verified));
            return;
        }
        String resumeId = hello.resume() == null ? null : hello.resume().conversationId();
        // The read starts from the router task that marks the hello pending, never before it: its
        // completion comes from a reader thread, and this thread's tasks may still be waiting in
        // its hand-over.
        run.execute(() -> {
            pending.put(session, new ArrayList<>());
            CompletableFuture.supplyAsync(
                            () -> StoredVisitor.load(
                                    router.store(), hello.visitorToken(), resumeId, hello.site(), user),
                            readers)
                    .whenComplete((stored, error) -> run.execute(() -> {
                        List<Runnable> waiting = pending.remove(session);
                        if (waiting == null) {
                            return; // the socket closed meanwhile
                        }
                        if (error != null) {
                            // Never a new identity for a returning visitor: they try again (their
                            // requests waiting here are resent after the reconnect).
                            log.error("loading visitor for {} failed", session.id(), error);
                            Router.error(
                                    session,
                                    ErrorCode.INTERNAL,
                                    "Your conversation could not be loaded; reconnect to try again.",
                                    hello.id());
                            session.close(1011, "could not load the visitor");
                            return;
                        }
                        hello(session, hello, stored != null ? stored : StoredVisitor.NONE, verified);
                        waiting.forEach(Runnable::run);
                    }));
        });
    }

    /** The requests of a session whose hello waits for stored data, if it does; router thread. */
    Optional<List<Runnable>> waiting(Session session) {
        return Optional.ofNullable(pending.get(session));
    }

    /** The socket closed; router thread. */
    void closed(Session session) {
        pending.remove(session);
    }

    /**
     * A visitor's hello, with what the store knows of them and what the site's secret vouched for
     * ({@code verified}: the user id, and the email when it was signed too).
     */
    void hello(
            Session session,
            ClientMessage.Hello hello,
            StoredVisitor stored,
            Optional<IdentityVerifier.Verified> verified) {
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
            router.store().linkUser(hello.site(), stored.verifiedUser().get(), visitor.id);
        }
        String contextRefused = merge(router, session, visitor, hello.context());
        if (user != null && hello.identity() != null) {
            // The identity the site vouched for wins over what the page typed in the same hello:
            // its name and email (docs/protocol.md, hello); only a signed email counts as verified.
            var identity = hello.identity();
            String identityRefused =
                    merge(router, session, visitor, ContextClip.nameAndEmail(identity.name(), identity.email()));
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
        if (hello.site() != null) {
            visitor.site = hello.site();
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
        router.store().saveVisitor(new VisitorRecord(visitor.id, visitor.token, visitor.context, visitor.firstSeen));
        visitor.sessions.add(session);
        visitor.goneSince = null;
        router.live.addVisitorSession(session, visitor);
        Conversation open = visitor.open;
        session.send(new ServerMessage.Welcome(
                hello.id(),
                hello.version(),
                Role.VISITOR,
                visitor.id,
                visitor.token,
                open == null ? null : open.id,
                null,
                earlier(visitor),
                session.node()));
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
            session.send(History.page(null, open.id, open.state, open.visibleToVisitor(after)));
            router.dispatcher.status(open).ifPresent(session::send);
            open.receipts(Role.AGENT).forEach(session::send);
        }
        session.send(router.dispatcher.availability());
    }

    /** A department of the team (agents file) or a site's configured one. */
    boolean knownDepartment(String department) {
        return router.dispatcher.config.departments().contains(department) || router.siteDepartment(department);
    }

    static void unknownDepartment(Session session, String ref) {
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
    Optional<Visitor> forgetUser(String visitorId) {
        Visitor found = null;
        for (var it = byUser.values().iterator(); it.hasNext(); ) {
            Visitor v = it.next();
            if (v.id.equals(visitorId)) {
                found = v;
                it.remove();
            }
        }
        return Optional.ofNullable(found);
    }

    private Visitor newVisitor(Session session) {
        Visitor visitor = new Visitor(router.ids.visitorId(), router.ids.visitorToken());
        visitor.firstSeen = router.clock.instant();
        router.live.addVisitor(visitor);
        router.live.addToken(visitor, visitor.token);
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
                && !router.erased(stored.userVisitor().get().id())) {
            VisitorRecord record = stored.userVisitor().get();
            linked = router.live.visitor(record.id()).orElse(null);
            if (linked == null) {
                linked = Recovery.adopt(router, record, stored.userConversations());
            }
            if (linked.token == null || linked.token.startsWith("sha256:")) {
                linked.token = router.ids.visitorToken();
                router.live.addToken(linked, linked.token);
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
    private List<EarlierConversation> earlier(Visitor visitor) {
        List<EarlierConversation> out = new ArrayList<>();
        List<String> ids = visitor.conversationIds;
        for (int i = ids.size() - 1; i >= 0 && out.size() < 20; i--) {
            Conversation live = router.live.conversation(ids.get(i)).orElse(null);
            if (live != null) {
                if (live.state == ConversationState.CLOSED) {
                    out.add(new EarlierConversation(live.id, live.startedAt, live.firstLine, live.score));
                }
            } else {
                ConversationRecord r = visitor.stored.get(ids.get(i));
                if (r != null && r.state() == ConversationState.CLOSED) {
                    out.add(new EarlierConversation(r.id(), r.startedAt(), r.firstLine(), r.score()));
                }
            }
        }
        return out;
    }

    /** Whether a conversation the client asks to resume is still this visitor's to replay. */
    private boolean replayable(Visitor visitor, String conversationId, StoredVisitor stored) {
        Conversation live = router.live.conversation(conversationId).orElse(null);
        if (live != null) {
            return live.visitor.id.equals(visitor.id);
        }
        return stored.resumed().map(r -> r.visitorId().equals(visitor.id)).orElse(false);
    }

    /** A visitor by token: live, or stored (after a restart), or null. */
    private Visitor known(String token, StoredVisitor stored) {
        Visitor visitor = router.live.visitorByToken(token).orElse(null);
        if (visitor == null) {
            // Read beforehand on the reader pool (enter), never on this thread.
            visitor = stored.visitor()
                    .filter(r -> !router.erased(r.id()))
                    .map(r -> Recovery.adopt(router, r, stored.conversations()))
                    .orElse(null);
            if (visitor != null) {
                visitor.token = token; // the stored record holds only the token's hash
                router.live.addToken(visitor, token);
            }
        }
        return visitor;
    }

    /**
     * Merges {@code next} into the visitor's context; null if it did, else why not (the merged
     * context would break a limit, see {@link Visitor#update}) and the context is unchanged. An
     * email in it counts as given in the visitor's open conversation (stored with it), else in the
     * one they start next on this {@code session}.
     */
    static String merge(Router router, Session session, Visitor visitor, VisitorContext next) {
        try {
            visitor.update(next);
            if (next != null && next.email() != null) {
                if (visitor.open != null) {
                    if (MailPolicy.given(visitor.open, next.email())) {
                        router.saveRecord(visitor.open);
                    }
                } else {
                    visitor.givenEmail = next.email();
                    visitor.givenEmailSession = session;
                }
            }
            return null;
        } catch (IllegalArgumentException e) {
            log.info("context of visitor {} not merged: {}", visitor.id, e.getMessage());
            return e.getMessage() + " (merged with the visitor's stored context)";
        }
    }
}
