package dev.concierge.client;

import dev.concierge.protocol.Author;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.TranscriptEvent.Kind;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ServerMessage;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * The visitor's questions that wait for their answer ({@link VisitorClient#ask}). A question is
 * known by its request id until its ack gives its {@code seq}; from then on it is paired by that
 * {@code seq} with the bot event that replies to it ({@code bot.replyTo}) or with the first event
 * after it that hands the conversation to a person, whichever the client sees first: events come
 * in {@code seq} order. Guarded by the connection's lock.
 */
final class PendingAsks {
    private final Connection connection;
    private final Object lock;
    private final Map<String, Ask> asks = new HashMap<>();

    /** One question: its text until stored, then its conversation and {@code seq}. */
    private static final class Ask {
        final String text;
        final CompletableFuture<Answer> answer;
        String conversation;
        long seq;
        TranscriptEvent question;

        Ask(String text, CompletableFuture<Answer> answer) {
            this.text = text;
            this.answer = answer;
        }
    }

    PendingAsks(Connection connection) {
        this.connection = connection;
        this.lock = connection.lock();
    }

    /**
     * Sends {@code question} and returns the future of its answer. It fails as the request does
     * when the message is not stored, and with a {@link DeadlineExceededException} (not
     * withdrawn) when it was stored but not answered within the request's deadline; a caller
     * that gives up on it (cancels it or completes it exceptionally) gives up on the request too.
     */
    CompletableFuture<Answer> ask(ClientMessage.Send question, RequestOptions options) {
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        CompletableFuture<ServerMessage.Ack> stored = connection.request(question, ServerMessage.Ack.class, options);
        asks.put(question.id(), new Ask(question.text(), answer));
        Duration deadline = connection.deadlineOf(options);
        // Until the question is stored its request's own deadline fails it (withdrawn or not);
        // after that, nobody answering in time fails the ask, the question being in the conversation.
        Future<?> timer = connection.after(deadline, () -> {
            synchronized (lock) {
                Ask ask = asks.get(question.id());
                if (ask == null || ask.conversation == null) {
                    return;
                }
                asks.remove(question.id());
            }
            answer.completeExceptionally(new DeadlineExceededException(question.id(), deadline, false));
        });
        answer.whenComplete((done, error) -> timer.cancel(false));
        stored.whenComplete((ack, error) -> {
            if (error != null) {
                forget(question.id());
                answer.completeExceptionally(
                        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error);
            }
        });
        answer.whenComplete((done, error) -> {
            if (error != null) {
                forget(question.id());
                stored.cancel(false); // the caller gave up before the answer: so does the request
            }
        });
        return answer;
    }

    /**
     * The client closed: every question already stored fails with {@code cause} (the others fail
     * as their requests do). Under the lock.
     */
    void closed(ConciergeClientException cause) {
        Iterator<Map.Entry<String, Ask>> it = asks.entrySet().iterator();
        while (it.hasNext()) {
            Ask ask = it.next().getValue();
            if (ask.conversation != null) {
                it.remove();
                CompletableFuture<Answer> future = ask.answer;
                connection.emit(() -> future.completeExceptionally(cause));
            }
        }
    }

    private void forget(String requestId) {
        synchronized (lock) {
            asks.remove(requestId);
        }
    }

    /**
     * The question {@code ack} names is stored: complete it when the conversation is with a
     * person, or with what the log already holds after it, else wait for that.
     */
    void stored(ServerMessage.Ack ack, Function<String, ConversationLog> logs, String visitorId) {
        Ask ask = asks.get(ack.ref());
        if (ask == null || ask.conversation != null || ack.conversationId() == null) {
            return;
        }
        ask.conversation = ack.conversationId();
        ask.seq = ack.seq();
        ConversationLog log = logs.apply(ask.conversation);
        TranscriptEvent question = ask.question = (log == null ? Optional.<TranscriptEvent>empty() : log.get(ack.seq()))
                .orElseGet(() -> TranscriptEvent.message(ack.ref(), new Author(Role.VISITOR, visitorId, null), ask.text)
                        .stamped(ack.seq(), null));
        Answer answer = log == null ? null : decide(question, log);
        if (answer != null) {
            finish(ack.ref(), answer);
        }
    }

    /**
     * A new event of {@code conversation}: each stored question of it that the log can now answer
     * is answered (the event may reply to it, hand the conversation on after it, or fill a hole
     * before or after it).
     */
    void applied(String conversation, TranscriptEvent event, ConversationLog log) {
        Iterator<Map.Entry<String, Ask>> it = asks.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, Ask> entry = it.next();
            Ask ask = entry.getValue();
            if (ask.conversation == null || !ask.conversation.equals(conversation)) {
                continue;
            }
            Answer answer = decide(log.get(ask.seq).orElse(ask.question), log);
            if (answer != null) {
                it.remove();
                CompletableFuture<Answer> future = ask.answer;
                connection.emit(() -> future.complete(answer));
            }
        }
    }

    /**
     * What the log says of a stored question, or null while it cannot tell: the person's when the
     * conversation was handed on before it, else the first event after it that replies to it or
     * hands the conversation on — read only up to the first hole, since events can arrive out of
     * order (a question the server held while its bot answered comes after the request for a person
     * that followed it, and its reply after that).
     */
    private static Answer decide(TranscriptEvent question, ConversationLog log) {
        if (log.withPersonBefore(question.seq())) {
            return new Answer.ForAgent(question);
        }
        long next = question.seq() + 1;
        for (TranscriptEvent event : log.after(question.seq())) {
            if (event.seq() != next) {
                return null; // the events on their way decide
            }
            Answer answer = answer(question, event);
            if (answer != null) {
                return answer;
            }
            next++;
        }
        return null;
    }

    private void finish(String requestId, Answer answer) {
        Ask ask = asks.remove(requestId);
        connection.emit(() -> ask.answer.complete(answer));
    }

    /** What {@code event}, later than {@code question}, makes of it: null when it does not answer it. */
    private static Answer answer(TranscriptEvent question, TranscriptEvent event) {
        if (event.kind() == Kind.BOT
                && event.bot() != null
                && event.bot().replyTo() != null
                && event.bot().replyTo() == question.seq()) {
            return new Answer.BotReply(question, event);
        }
        if (event.kind() == Kind.HANDOFF || event.kind() == Kind.QUEUED || event.kind() == Kind.ASSIGNED) {
            return new Answer.Handoff(question, event);
        }
        return null;
    }
}
