package dev.concierge.server.routing;

import dev.concierge.protocol.AgentInfo;
import dev.concierge.protocol.Author;
import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.TranscriptEvent;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the REST API asks of the router (docs/integrations.md, "Conversations"): a message or an
 * internal note posted by an API key, and closing a conversation. They take the path of an
 * agent's console request ({@link AgentRequests}): the same transcript event (with {@code via:
 * "api"}), the same broadcast to the visitor's and the assigned agent's sockets, the same mail
 * ({@code agent_reply}) and webhook rows in the event's transaction, once per client id
 * ({@link Idempotency}). Callable from any thread; the work runs on the router thread and the
 * future completes there, once the event is stored or the request refused.
 */
public final class ApiRequests {
    private static final Logger log = LoggerFactory.getLogger(ApiRequests.class);

    private final Router router;

    /** The API requests of {@code router}. */
    public ApiRequests(Router router) {
        this.router = Objects.requireNonNull(router, "router");
    }

    /**
     * Who posts: the {@code author} of the events; the {@code agent} an acts-as-agent key posts
     * as (empty for an integration), who must hold an assigned conversation and takes a
     * follow-up by replying to it; and which sites' conversations the key {@code sees} (a
     * conversation of another site is answered as unknown).
     */
    public record Poster(Author author, Optional<AgentInfo> agent, Predicate<String> sees) {
        /** Checks the values. */
        public Poster {
            Objects.requireNonNull(author, "author");
            Objects.requireNonNull(agent, "agent");
            Objects.requireNonNull(sees, "sees");
        }
    }

    /**
     * What became of a request: its stored event ({@code seq}, and the event when memory still
     * holds it), or why not ({@code error} with a sentence). {@link Result#notLive} means memory
     * holds no such conversation: unknown, or closed and retired (the store tells which).
     */
    public record Result(Optional<ErrorCode> error, String message, long seq, Optional<TranscriptEvent> event) {
        static Result stored(long seq, Optional<TranscriptEvent> event) {
            return new Result(Optional.empty(), "", seq, event);
        }

        static Result refused(ErrorCode code, String message) {
            return new Result(Optional.of(code), message, 0, Optional.empty());
        }

        /** Whether the conversation is not in memory (the caller looks in the store). */
        public boolean notLive() {
            return error.filter(ErrorCode.NOT_FOUND::equals).isPresent() && message.isEmpty();
        }
    }

    /**
     * Posts {@code text} as a {@code message} (or, with {@code note}, an internal note) to an
     * {@code assigned} or {@code follow_up} conversation, once per {@code clientId}: a repeat is
     * answered with the first one's seq. An agent's key replying to a follow-up takes it, as the
     * console does; an integration's key cannot ({@code bad_state}). A conversation assigned to
     * another agent than an acts-as-agent key's is {@code forbidden}.
     */
    public CompletableFuture<Result> post(
            Poster poster, String conversationId, String clientId, String text, boolean note) {
        return onRouter(conversationId, poster, clientId, c -> {
            if (c.state == ConversationState.CLOSED) {
                return refused(ErrorCode.BAD_STATE, Router.CONVERSATION_CLOSED);
            }
            if (c.state != ConversationState.ASSIGNED && c.state != ConversationState.FOLLOW_UP) {
                return refused(ErrorCode.BAD_STATE, "This conversation is with the bot or waiting in the queue.");
            }
            String agentId = poster.agent().map(AgentInfo::id).orElse(null);
            if (c.state == ConversationState.ASSIGNED && agentId != null && !agentId.equals(c.agentId)) {
                return refused(ErrorCode.FORBIDDEN, "This conversation is assigned to another agent.");
            }
            if (c.state == ConversationState.FOLLOW_UP && !note) {
                if (agentId == null) {
                    return refused(
                            ErrorCode.BAD_STATE, "A follow-up is answered by an agent; an integration cannot take it.");
                }
                Agent taker = router.live.agentOrNew(poster.agent().get());
                taker.departments = router.departmentsOf.apply(agentId);
                router.dispatcher.assign(c, taker);
                log.info("API key takes follow-up {} for agent {}", c.id, agentId);
            }
            TranscriptEvent draft = note
                    ? TranscriptEvent.note(clientId, poster.author(), text)
                    : TranscriptEvent.message(clientId, poster.author(), text);
            return note
                    ? router.appendOnce(c, clientId, draft.withVia(TranscriptEvent.VIA_API))
                    : router.appendOnce(
                            c,
                            clientId,
                            draft.withVia(TranscriptEvent.VIA_API),
                            AgentRequests.replyMails(router, c, poster.author().name()));
        });
    }

    /** Closes a conversation that is not closed ({@code bad_state} otherwise), once per {@code clientId}. */
    public CompletableFuture<Result> close(Poster poster, String conversationId, String clientId, String reason) {
        return onRouter(conversationId, poster, clientId, c -> {
            if (c.state == ConversationState.CLOSED) {
                return refused(ErrorCode.BAD_STATE, "This conversation is already closed.");
            }
            return Closing.close(router, c, poster.author(), clientId, reason);
        });
    }

    /** What a request does with a live, visible conversation whose client id is new. */
    private interface Action {
        CompletableFuture<Long> apply(Conversation c);
    }

    /** A refusal, carried through the action's future. */
    private static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient Result result;

        Refused(Result result) {
            super(result.message(), null, false, false);
            this.result = result;
        }
    }

    private static CompletableFuture<Long> refused(ErrorCode code, String message) {
        return CompletableFuture.failedFuture(new Refused(Result.refused(code, message)));
    }

    private CompletableFuture<Result> onRouter(String conversationId, Poster poster, String clientId, Action action) {
        CompletableFuture<Result> out = new CompletableFuture<>();
        try {
            router.executor.execute(() -> {
                try {
                    run(conversationId, poster, clientId, action).whenComplete((r, e) -> {
                        if (e == null) {
                            out.complete(r);
                        } else if (e instanceof Refused refused) {
                            out.complete(refused.result);
                        } else if (e.getCause() instanceof Refused refused) {
                            out.complete(refused.result);
                        } else {
                            out.completeExceptionally(e);
                        }
                    });
                } catch (RuntimeException e) {
                    out.completeExceptionally(e);
                }
            });
        } catch (RuntimeException e) {
            out.completeExceptionally(e); // the router stopped
        }
        return out;
    }

    private CompletableFuture<Result> run(String conversationId, Poster poster, String clientId, Action action) {
        Conversation c = router.live.conversation(conversationId).orElse(null);
        if (c == null || !poster.sees().test(c.site)) {
            // Another site's conversation is answered as an unknown one.
            return CompletableFuture.completedFuture(
                    Result.refused(ErrorCode.NOT_FOUND, c == null ? "" : "No such conversation."));
        }
        CompletableFuture<Long> seq = c.byClientId.get(clientId);
        if (seq == null) {
            seq = action.apply(c);
        }
        // A closed conversation may leave memory at any later task: its event is read here or never.
        return seq.thenApply(s -> Result.stored(
                s,
                c.state == ConversationState.CLOSED
                        ? Optional.empty()
                        : c.committedAfter(s - 1).stream()
                                .filter(e -> e.seq() == s)
                                .findFirst()));
    }
}
