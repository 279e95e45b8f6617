package dev.concierge.server.routing;

import dev.concierge.bot.BotReply;
import dev.concierge.protocol.Attachment;
import dev.concierge.protocol.BotTurn;
import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.HandoffReason;
import dev.concierge.protocol.ReceiptStatus;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.Suggestion;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.VisitorContext;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ServerMessage;
import dev.concierge.store.VisitorRecord;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What visitors may do: chat with the bot, ask for a human, close, rate, read history. */
final class VisitorRequests {
    private static final Logger log = LoggerFactory.getLogger(VisitorRequests.class);
    /** After this many answers in a row the bot was not sure of, a human takes over. */
    private static final int UNSURE_BEFORE_HANDOFF = 2;
    /** The bot's turn after a file sent without a question: it cannot read files, a person can. */
    static final String CANNOT_SEE_FILES = "I can't look at files, but a person can. Shall I get you one?";

    private final Router router;
    private final VisitorHello hellos;

    VisitorRequests(Router router, VisitorHello hellos) {
        this.router = router;
        this.hellos = hellos;
    }

    void handle(Session session, ClientMessage message) {
        Visitor visitor = router.live.visitorOf(session).orElse(null);
        if (visitor == null) {
            Router.error(session, ErrorCode.HELLO_REQUIRED, ChatCore.HELLO_FIRST, message.id());
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
        } else if (message instanceof ClientMessage.TranscriptEmail t) {
            transcriptEmail(session, visitor, t);
        } else if (message instanceof ClientMessage.Hello hello) {
            Router.error(session, ErrorCode.BAD_REQUEST, Router.HELLO_REPEATED, hello.id());
        } else {
            Router.error(session, ErrorCode.FORBIDDEN, "Visitors may not send this message type.", message.id());
        }
    }

    /** The visitor's own conversation by id, or null after telling them it does not exist. */
    private Conversation own(Session session, Visitor visitor, String conversationId, String ref) {
        Conversation c = router.live.conversation(conversationId).orElse(null);
        if (c == null || !c.visitor.id.equals(visitor.id)) {
            Router.notFound(session, ref); // a guessed id gets the same answer as a missing one
            return null;
        }
        return c;
    }

    private Conversation openOrStart(Session session, Visitor visitor) {
        if (visitor.open == null) {
            Conversation c = new Conversation(
                    router.ids.conversationId(), visitor, router.clock.instant(), router.outbound.siteOf(visitor));
            c.department = visitor.department;
            router.live.addConversation(c);
            visitor.conversationIds.add(c.id);
            visitor.open = c;
            if (visitor.givenEmailSession == session) {
                MailPolicy.given(c, visitor.givenEmail); // given in the hello or pre-chat that starts it
            }
            visitor.givenEmail = null; // never carried into a later conversation
            visitor.givenEmailSession = null;
            router.saveRecord(c);
            log.info("conversation {} started by visitor {}", c.id, visitor.id);
        }
        return visitor.open;
    }

    private void send(Session session, Visitor visitor, ClientMessage.Send send) {
        Conversation c;
        if (send.conversationId() == null) {
            c = visitor.open != null && Idempotency.seen(visitor.open, send.id())
                    ? visitor.open
                    : openOrStart(session, visitor);
        } else {
            c = own(session, visitor, send.conversationId(), send.id());
            if (c == null) {
                return;
            }
        }
        router.attachmentRefs.resolve(
                session, c, send, "visitor:" + visitor.id, file -> send(session, visitor, c, send, file));
    }

    private void send(Session session, Visitor visitor, Conversation c, ClientMessage.Send send, Attachment file) {
        if (c.state == ConversationState.CLOSED) {
            Router.error(session, ErrorCode.BAD_STATE, Router.CONVERSATION_CLOSED, send.id());
            return;
        }
        String text = send.text() == null ? "" : send.text();
        boolean asks = !text.isBlank(); // a file alone asks the bot nothing
        if (asks) {
            c.lastVisitorText = text;
        }
        if (c.firstLine == null) {
            c.firstLine = asks ? text : file.name();
            router.saveRecord(c);
        }
        boolean toBot = c.state == ConversationState.BOT;
        long questionSeq = c.nextSeq; // the append below stamps the message with it at once
        // A question to a bot with a thread free is stored with its answer, in one commit.
        router.idempotency.message(
                session,
                c,
                send.id(),
                TranscriptEvent.message(send.id(), visitor.author(), text).withAttachment(file),
                toBot && asks && router.bot.hasFreeThread());
        if (toBot && !asks) {
            botTurn(c, questionSeq, CANNOT_SEE_FILES, new BotTurn(false, null, 0, List.of(), true));
        } else if (toBot) {
            CompletableFuture<BotService.Answer> reply =
                    send.entryId() != null ? router.bot.answer(text, send.entryId()) : router.bot.answer(text);
            reply.whenCompleteAsync(
                    (answer, error) -> {
                        if (error != null) {
                            log.error("bot failed on conversation {}", c.id, error);
                        } else {
                            botReplied(c, text, questionSeq, answer);
                        }
                        router.appends.releaseHeld(c); // if the bot said nothing, the question is stored alone
                    },
                    router.executor);
        }
    }

    private void botReplied(Conversation c, String question, long questionSeq, BotService.Answer answer) {
        BotReply reply = answer.reply();
        Optional<String> department = answer.department();
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
                        questionSeq,
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
                botTurn(c, questionSeq, reply.text(), new BotTurn(false, null, reply.confidence(), List.of(), false));
                router.dispatcher.handoff(c, HandoffReason.VISITOR_ASKED, null);
            }
            case NOT_SURE -> {
                c.unsureInRow++;
                c.unansweredQuestion = question;
                if (c.unsureInRow >= UNSURE_BEFORE_HANDOFF) {
                    botTurn(
                            c,
                            questionSeq,
                            "I'm still not sure I can answer that, so let me get you a person.",
                            new BotTurn(false, null, reply.confidence(), suggestions, false));
                    router.dispatcher.handoff(c, HandoffReason.BOT_UNSURE, null);
                } else {
                    botTurn(
                            c,
                            questionSeq,
                            reply.text(),
                            new BotTurn(false, null, reply.confidence(), suggestions, true));
                }
            }
        }
    }

    /** Appends the bot's turn answering the visitor's message {@code questionSeq}. */
    private void botTurn(Conversation c, long questionSeq, String text, BotTurn turn) {
        router.appendAndBroadcast(c, TranscriptEvent.bot(text, turn.withReplyTo(questionSeq)));
    }

    private void handoff(Session session, Visitor visitor, ClientMessage.Handoff handoff) {
        if (handoff.department() != null && !hellos.knownDepartment(handoff.department())) {
            VisitorHello.unknownDepartment(session, handoff.id()); // before a conversation is started for it
            return;
        }
        Conversation c = handoff.conversationId() == null
                ? openOrStart(session, visitor)
                : own(session, visitor, handoff.conversationId(), handoff.id());
        if (c == null) {
            return;
        }
        if (Idempotency.resent(session, c, handoff.id())) {
            return;
        }
        if (c.state == ConversationState.BOT) {
            if (handoff.department() != null) {
                c.department = handoff.department();
            }
            Acks.whenStored(
                    session, handoff.id(), c, router.dispatcher.handoff(c, HandoffReason.VISITOR_ASKED, handoff.id()));
        } else if (c.state == ConversationState.CLOSED) {
            Router.error(session, ErrorCode.BAD_STATE, Router.CONVERSATION_CLOSED, handoff.id());
        } else {
            Acks.now(session, handoff.id(), c.id, 0); // already with a human
        }
    }

    private void typing(Visitor visitor, ClientMessage.Typing typing) {
        Conversation c = router.live.conversation(typing.conversationId()).orElse(null);
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
        if (Idempotency.resent(session, c, rate.id())) {
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
        Acks.whenStored(
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
                ? (visitor.open != null && Idempotency.seen(visitor.open, leave.id())
                        ? visitor.open
                        : openOrStart(session, visitor))
                : own(session, visitor, leave.conversationId(), leave.id());
        if (c == null) {
            return;
        }
        if (Idempotency.resent(session, c, leave.id())) {
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
        VisitorHello.merge(
                router,
                session,
                visitor,
                new VisitorContext(leave.name(), leave.email(), null, null, null, null, Map.of()));
        if (MailPolicy.given(c, leave.email())) {
            router.saveRecord(c);
        }
        router.store().saveVisitor(new VisitorRecord(visitor.id, visitor.token, visitor.context, visitor.firstSeen));
        if (c.firstLine == null) {
            c.firstLine = leave.text();
        }
        TranscriptEvent message =
                TranscriptEvent.offlineMessage(leave.id(), visitor.author(), leave.text(), leave.email());
        Acks.whenStored(session, leave.id(), c, router.dispatcher.followUp(c, leave.id(), message, leave.email()));
    }

    /**
     * The visitor asks for a transcript by email: of the named conversation, else their open one,
     * else their latest closed one still in memory (as for rating it).
     */
    private void transcriptEmail(Session session, Visitor visitor, ClientMessage.TranscriptEmail t) {
        MailPolicy mail = router.outbound.mail().orElse(null);
        if (mail == null) {
            Router.error(session, ErrorCode.UNAVAILABLE, "This server sends no email.", t.id());
            return;
        }
        Conversation c;
        if (t.conversationId() != null) {
            c = own(session, visitor, t.conversationId(), t.id());
            if (c == null) {
                return;
            }
        } else {
            c = visitor.open;
            for (int i = visitor.conversationIds.size() - 1; c == null && i >= 0; i--) {
                c = router.live.conversation(visitor.conversationIds.get(i)).orElse(null);
            }
            if (c == null) {
                Router.notFound(session, t.id());
                return;
            }
        }
        if (Idempotency.resent(session, c, t.id())) {
            return;
        }
        mail.transcriptRequest(session, visitor, t, c);
    }

    /** Delivered/read marks of the visitor, relayed to the owning agent. */
    private void receipt(Visitor visitor, ClientMessage.Receipt receipt) {
        Conversation c = router.live.conversation(receipt.conversationId()).orElse(null);
        if (c == null || !c.visitor.id.equals(visitor.id)) {
            return; // not acknowledged, so nothing to answer; nothing leaks either
        }
        c.receipt(Role.VISITOR, receipt.status(), receipt.seq()).ifPresent(frame -> router.toAgent(c, frame));
        if (receipt.status() == ReceiptStatus.READ) {
            router.outbound.mail().ifPresent(m -> m.visitorRead(c, Math.min(receipt.seq(), c.committedSeq)));
        }
    }

    /** The visitor moved to another page or set attributes: merge, store, tell their agent. */
    private void updateContext(Session session, Visitor visitor, ClientMessage.UpdateContext update) {
        String refused = VisitorHello.merge(router, session, visitor, update.context());
        if (refused != null) {
            Router.error(session, ErrorCode.BAD_REQUEST, refused, update.id());
            return; // nothing stored, nobody told: the context is as it was
        }
        router.store().saveVisitor(new VisitorRecord(visitor.id, visitor.token, visitor.context, visitor.firstSeen));
        Acks.now(session, update.id(), visitor.open == null ? null : visitor.open.id, 0);
        Conversation c = visitor.open;
        if (c != null && c.state == ConversationState.ASSIGNED) {
            router.toAgent(c, new ServerMessage.VisitorUpdate(c.id, visitor.info(), visitor.context));
        }
    }

    private void history(Session session, Visitor visitor, ClientMessage.History history) {
        Conversation c = router.live.conversation(history.conversationId()).orElse(null);
        if (c != null && c.visitor.id.equals(visitor.id)) {
            session.send(History.page(history.id(), c.id, c.state, c.visibleToVisitor(history.afterSeq())));
            return;
        }
        if (c != null) {
            Router.notFound(session, history.id()); // a guessed id gets the same answer as a missing one
            return;
        }
        String visitorId = visitor.id;
        router.history.stored(session, history, r -> r.visitorId().equals(visitorId), false);
    }
}
