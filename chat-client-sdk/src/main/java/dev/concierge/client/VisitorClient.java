package dev.concierge.client;

import dev.concierge.protocol.ReceiptStatus;
import dev.concierge.protocol.Suggestion;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.VisitorContext;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A visitor's live connection to a Concierge server: ask the bot, talk to a person, rate the chat.
 *
 * <pre>{@code
 * VisitorClient client = VisitorClient.builder()
 *         .serverUri(URI.create("http://127.0.0.1:8080"))
 *         .listener(new VisitorListener() {
 *             @Override public void onEvent(VisitorClient client, String conversationId, TranscriptEvent event) {
 *                 System.out.println("[" + event.author().role() + "] " + event.text());
 *             }
 *         })
 *         .connect().join();
 * Answer answer = client.ask("Where is my order?").join();
 * if (answer instanceof Answer.BotReply reply) {
 *     System.out.println(reply.text());
 * }
 * }</pre>
 *
 * <h2>States</h2>
 * <pre>
 *  CONNECTING ──welcome──▶ OPEN ──socket lost──▶ RECONNECTING ──welcome──▶ OPEN ...
 *      │                    │                         │
 *      └── connect fails ───┴──── close() ────────────┴──▶ CLOSED
 *                                 (or reconnecting off, given up, or refused for good)
 * </pre>
 * The first connect tries again, with the {@link Builder#backoff(Duration, Duration) backoff} and
 * over every {@link Builder#serverUris(List) server URI}, until the
 * {@link Builder#connectTimeout(Duration) connect timeout} (default 10 s) has passed in all; then
 * {@link Builder#connect()} fails with a {@link ConnectFailedException} whose cause is the last
 * attempt's root cause, and the client is {@link State#CLOSED}. A server that refuses the
 * {@code hello} ({@code bad_request}, {@code forbidden}, {@code unauthorized},
 * {@code unsupported_version}) ends it at once with a {@link ServerRefusedException}. Once open,
 * a lost socket is reopened with exponential backoff and full jitter until a {@code welcome}
 * comes, {@link #close()} is called, or {@link Builder#giveUpAfter(Duration) giveUpAfter}
 * (default 15 minutes) has passed since the last welcome; with
 * {@link Builder#reconnect(boolean) reconnect(false)} it is not reopened. A client that stops by
 * itself goes {@code CLOSED} and fails the requests still waiting with a
 * {@link ConnectionLostException} (or, when the server refused it, that
 * {@link ServerRefusedException}).
 *
 * <h2>Nothing lost, nothing twice</h2>
 * Every request carries an {@code id}: a fresh UUID, or the caller's
 * ({@link RequestOptions#withRequestId(String)}). Requests stay in an outbox until the server
 * answers them; after a reconnect they are sent again with their original ids (the server stores
 * a resend once and acknowledges it with the same {@code seq}). A request the server could not
 * store (an {@code internal} error) is sent again with its id after a backoff; with reconnecting
 * turned off its future fails instead. Requests made while reconnecting wait in the outbox;
 * their futures complete on the eventual answer. The client resumes its conversation from the
 * highest {@code seq} it has seen and merges what it missed, so {@link #transcript()} holds every
 * event once, in {@code seq} order.
 *
 * <h2>Deadlines</h2>
 * Nothing waits forever. Each request has a deadline counted from the call: the builder's
 * {@link Builder#requestTimeout(Duration) requestTimeout} (default 30 s), or its own
 * {@link RequestOptions#withDeadline(Duration)}. When it passes, the request leaves the outbox,
 * is never sent again, and its future fails with a {@link DeadlineExceededException}:
 * {@link DeadlineExceededException#withdrawn() withdrawn()} true means it was never written to a
 * socket and the server never stores it; false means the server may have stored it, and sending
 * it again with the same request id stores it once. Cancelling the future a method returned, or
 * failing it ({@code orTimeout}, {@code completeExceptionally}), withdraws the request the same
 * way (a stage made from that future with {@code thenApply} and the like does not). Reconnecting
 * itself stops after {@link Builder#giveUpAfter(Duration) giveUpAfter} without a welcome, as
 * above.
 *
 * <h2>Threads</h2>
 * All methods are thread-safe and none blocks. Listener methods are called one at a time, in the
 * order the client saw things happen, on the client's {@link Builder#executor executor} (by
 * default the SDK's shared pool), never while the client holds a lock. Futures complete on that
 * executor as well. Code that blocks there (a {@code join()} in a listener or a dependent stage)
 * holds one of its threads: give such code an executor of its own.
 */
public interface VisitorClient extends AutoCloseable, VisitorFiles {

    /**
     * A new builder; only {@link Builder#serverUri(URI)} (or {@link Builder#serverUris(List)}) is
     * required.
     *
     * @return a builder with the defaults
     */
    static Builder builder() {
        return new VisitorClientBuilder();
    }

    /** The connection's lifecycle; see the class description for the transitions. */
    enum State {
        /** The first connect is under way (trying again until the connect timeout). */
        CONNECTING,
        /** Connected and greeted: requests are sent at once. */
        OPEN,
        /**
         * The socket was lost; the client is reconnecting (until {@code giveUpAfter} without a
         * welcome) and requests wait in the outbox, each until its deadline.
         */
        RECONNECTING,
        /**
         * Closed for good. After {@link VisitorClient#close()}, requests fail with a
         * {@link ClientClosedException}. When the client stopped by itself (the socket was lost
         * with {@code reconnect(false)}, {@code giveUpAfter} passed, the server refused it),
         * the requests that were waiting fail with a {@link ConnectionLostException} (or the
         * server's {@link ServerRefusedException}), and requests made afterwards with a
         * {@link ConnectionLostException}.
         */
        CLOSED
    }

    /** Configures and opens a {@link VisitorClient}. Setters check their argument at once. */
    interface Builder extends ConnectionOptions<Builder> {
        /**
         * The site the visitor chats on (as the widget's {@code site}); default {@code "demo"}.
         *
         * @param site the site's key, 1 to 64 characters
         * @return this builder
         * @throws NullPointerException when {@code site} is null
         * @throws IllegalArgumentException when it is blank or longer than 64 characters
         */
        Builder site(String site);

        /**
         * The token of a known visitor (from an earlier {@link VisitorClient#visitorToken()}):
         * continue as them, in their open conversation. Default none: the server makes a new
         * visitor.
         *
         * @param token the visitor's token, 1 to 128 characters
         * @return this builder
         * @throws NullPointerException when {@code token} is null
         * @throws IllegalArgumentException when it is blank or longer than 128 characters
         */
        Builder visitorToken(String token);

        /**
         * Who and where the visitor is, shown to the agent at handoff. A {@link VisitorContext}
         * is held to the protocol's limits when it is built (docs/protocol.md, "Limits of the
         * visitor's context"), so the server never refuses the one given here.
         *
         * @param context the visitor's context, sent with every {@code hello}
         * @return this builder
         * @throws NullPointerException when {@code context} is null
         */
        Builder context(VisitorContext context);

        /**
         * Receives events, queue updates, typing, errors and state changes; default one that
         * ignores them all.
         *
         * @param listener the listener
         * @return this builder
         * @throws NullPointerException when {@code listener} is null
         */
        Builder listener(VisitorListener listener);

        /**
         * Connects. Completes after the server's {@code welcome} and, when the visitor has an
         * open conversation, after its {@code transcript}; fails with a
         * {@link ConnectFailedException} when no server could be reached and greeted within the
         * connect timeout, a {@link ServerRefusedException} when the server refused the hello.
         * A caller that gives up on the returned future ({@code cancel}, {@code orTimeout})
         * closes the client.
         *
         * @return the connected client, once greeted
         * @throws IllegalStateException when no server URI was set
         */
        CompletableFuture<VisitorClient> connect();
    }

    /**
     * Sends a chat message in the current conversation; when there is none (or it is closed),
     * the server starts one, the ack names it and the client adopts it.
     *
     * @param text the message, up to 4,000 characters
     * @return completes when the server stored the message, with its conversation and {@code seq};
     *     the bot's reply, if any, arrives through {@link VisitorListener#onEvent} (use
     *     {@link #ask(String)} to get it here)
     * @throws NullPointerException when {@code text} is null
     * @throws IllegalArgumentException when the text is blank, longer than 4,000 characters or
     *     holds a control character other than tab and line breaks
     */
    CompletableFuture<Stored> send(String text);

    /**
     * {@link #send(String)} with a deadline or a request id of the caller's choosing. A retry
     * with the same request id after a {@link DeadlineExceededException} (or a crash of the
     * caller) is stored once: the server keeps the first message with that id.
     *
     * @param text the message
     * @param options the request's deadline (else the builder's {@code requestTimeout}) and id
     *     (else a fresh UUID)
     * @return as {@link #send(String)}
     * @throws IllegalArgumentException when the text is blank or too long, or a request with this
     *     id is still waiting for its answer on this client
     */
    CompletableFuture<Stored> send(String text, RequestOptions options);

    /**
     * Sends a chat message as {@link #send(String)} does and completes with what answers it:
     * <ul>
     *   <li>{@link Answer.BotReply}: the bot's event that replies to this message (its
     *       {@code bot.replyTo} is the message's {@code seq});</li>
     *   <li>{@link Answer.Handoff}: the first {@code handoff}, {@code queued} or
     *       {@code assigned} event after the message, when the conversation went to a person
     *       before the bot answered it;</li>
     *   <li>{@link Answer.ForAgent}: at once after the message is stored, when the conversation
     *       already was with a person or waiting for one (the bot stays quiet; the person's reply
     *       arrives later through {@link VisitorListener#onEvent}).</li>
     * </ul>
     * Answers are paired with their question by {@code seq}, never by arrival order: any number of
     * asks may be outstanding on one client. The listener sees the same events as with
     * {@link #send(String)}. Fails as {@link #send(String)} does when the message is not stored.
     * The builder's {@link Builder#requestTimeout(Duration) requestTimeout} bounds the whole ask,
     * as {@link #ask(String, RequestOptions)} describes.
     *
     * @param text the question, as for {@link #send(String)}
     * @return completes with the answer
     * @throws NullPointerException when {@code text} is null
     * @throws IllegalArgumentException when the text is blank, longer than 4,000 characters or
     *     holds a control character other than tab and line breaks
     */
    CompletableFuture<Answer> ask(String text);

    /**
     * {@link #ask(String)} with a deadline or a request id of the caller's choosing. The deadline
     * bounds the whole ask: the message must be stored and answered within it. When it passes
     * after the message was stored, the future fails with a {@link DeadlineExceededException}
     * whose {@code withdrawn()} is false (the question stays in the conversation).
     *
     * @param text the question
     * @param options the deadline (else the builder's {@code requestTimeout}) and the request id
     *     (else a fresh UUID)
     * @return as {@link #ask(String)}
     * @throws IllegalArgumentException when the text is blank or too long, or a request with this
     *     id is still waiting for its answer on this client
     */
    CompletableFuture<Answer> ask(String text, RequestOptions options);

    /**
     * Picks a bot "did you mean" suggestion: sends its question with its {@code entryId}.
     *
     * @param suggestion one of {@link Answer.BotReply#suggestions()}
     * @return completes when the server stored the message
     * @throws NullPointerException when {@code suggestion} is null
     */
    CompletableFuture<Stored> choose(Suggestion suggestion);

    /**
     * Asks for a human (a {@code handoff} request) in the current conversation; when there is
     * none (or it is closed), the server starts one.
     *
     * @return completes when the server stored the {@code handoff} event
     */
    CompletableFuture<Stored> requestHuman();

    /**
     * Asks for a human of a department, as {@link #requestHuman()} does.
     *
     * @param department the department, e.g. {@code billing}
     * @return completes when the server stored the {@code handoff} event
     * @throws NullPointerException when {@code department} is null
     * @throws IllegalArgumentException when it is longer than 64 characters or holds a control
     *     character
     */
    CompletableFuture<Stored> requestHuman(String department);

    /**
     * Leaves a message with a contact email while nobody can answer: it becomes a follow-up that
     * an agent answers later in the same conversation.
     *
     * @param name the visitor's name, may be null
     * @param email where the answer goes
     * @param text the message, up to 4,000 characters
     * @return completes when the server stored the message
     * @throws NullPointerException when {@code email} or {@code text} is null
     * @throws IllegalArgumentException when {@code email} is not an address, {@code text} is
     *     blank or too long, or {@code name} is too long or not one line
     */
    CompletableFuture<Stored> leaveMessage(String name, String email, String text);

    /**
     * Asks for the transcript of the visitor's conversation by email: the open one, else the
     * latest closed one. The server mails only an address the visitor gave in that conversation
     * (a left message's email, the pre-chat form's, the page's context) or one the site vouched
     * for (a verified identity's), so this cannot send mail to anyone else. The agents see a note
     * saying where the transcript went.
     *
     * @param address where to send it; empty for the address given in the conversation
     * @return completes when the server enqueued the mail (its {@link Stored#seq()} is the
     *     agents' note); fails with a {@link ServerRefusedException} of code {@code
     *     email_not_allowed} (an address not given in the conversation), {@code rate_limited}
     *     (over a mail limit; {@link ServerRefusedException#retryAfter()} says when to try again),
     *     {@code bad_request} (no address known), {@code not_found} (no conversation) or {@code
     *     unavailable} (the server sends no email)
     * @throws NullPointerException when {@code address} is null
     * @throws IllegalArgumentException when {@code address} is present and not an address
     */
    CompletableFuture<Stored> emailTranscript(Optional<String> address);

    /**
     * Merges new context (page, attributes) into the visitor's; their agent sees it at once. The
     * future fails with a {@code bad_request} error, and the stored context stays as it was, if
     * the merged context would exceed the limits of one (more than 50 attributes, or more than
     * 16,384 characters in all).
     *
     * @param context what changed: its fields replace the visitor's (absent ones keep their
     *     value), its attributes are merged by key
     * @return completes when the server took it; fails with a {@link ServerRefusedException}
     *     when it refused it
     * @throws NullPointerException when {@code context} is null
     */
    CompletableFuture<Void> updateContext(VisitorContext context);

    /**
     * Tells the agent that events of the current conversation up to {@code seq} were received or
     * read. Not acknowledged; dropped when there is no conversation or the socket is not open.
     *
     * @param seq the highest {@code seq} received or read, from 1
     * @param status received or read
     * @throws NullPointerException when {@code status} is null
     * @throws IllegalArgumentException when {@code seq} is below 1 (and there is a conversation)
     */
    void receipt(long seq, ReceiptStatus status);

    /**
     * Closes the current conversation (not the connection).
     *
     * @param reason free text, at most 200 characters, may be null
     * @return completes when the server stored the {@code closed} event; fails with a
     *     {@link NoConversationException} (nothing sent) when the visitor has no conversation
     * @throws IllegalArgumentException when {@code reason} is too long or holds a control
     *     character
     */
    CompletableFuture<Stored> closeConversation(String reason);

    /**
     * Rates the current conversation after it closed.
     *
     * @param score 1 to 5
     * @param comment kept verbatim, up to 4,000 characters, may be null
     * @return completes when the server stored the rating; fails with a
     *     {@link NoConversationException} (nothing sent) when the visitor has no conversation
     * @throws IllegalArgumentException when the score is not 1 to 5, or the comment is too long
     */
    CompletableFuture<Stored> rate(int score, String comment);

    /**
     * The events of one of the visitor's conversations after {@code afterSeq} (0 for all): every
     * page of them, read one after the other.
     *
     * @param conversationId one of the visitor's conversations
     * @param afterSeq the {@code seq} after which to read, 0 for all
     * @return completes with the events in {@code seq} order; fails with a
     *     {@link ServerRefusedException} ({@code not_found}) for a conversation that is not the
     *     visitor's
     * @throws NullPointerException when {@code conversationId} is null
     * @throws IllegalArgumentException when {@code afterSeq} is negative or
     *     {@code conversationId} is blank
     */
    CompletableFuture<History> history(String conversationId, long afterSeq);

    /**
     * Tells the other side whether the visitor is typing; dropped when not open or no
     * conversation.
     *
     * @param typing true when the visitor started typing, false when they stopped
     */
    void typing(boolean typing);

    /**
     * The current conversation: the latest one, also after it closed (so that it can be rated).
     *
     * @return its id; empty while the visitor has none
     */
    Optional<String> conversationId();

    /**
     * The visitor's id, from the server's welcome.
     *
     * @return the id
     */
    String visitorId();

    /**
     * The visitor's token: pass it to {@link Builder#visitorToken(String)} to continue later.
     *
     * @return the token, from the server's welcome
     */
    String visitorToken();

    /**
     * The events seen in the current conversation.
     *
     * @return the events, in {@code seq} order, each exactly once; empty without a conversation
     */
    List<TranscriptEvent> transcript();

    /**
     * The latest queue position of the current conversation, while it waits for an agent.
     *
     * @return the position; empty when the conversation does not wait
     */
    Optional<QueueStatus> queueStatus();

    /**
     * The connection's state.
     *
     * @return the state now
     */
    State state();

    /**
     * The cluster node this client was connected to by the latest {@code welcome} (its
     * {@code node} field), or empty when that server named none (a single server). For
     * diagnostics and tests: which node of a cluster the client is on. It changes when a
     * reconnect reaches another node.
     *
     * @return the node's name; empty for a single server, or before the first welcome
     */
    Optional<String> serverNode();

    /**
     * Disconnects (the conversation stays open) and goes {@link State#CLOSED}. Requests waiting
     * for their answer fail with a {@link ClientClosedException}, and so do requests made
     * afterwards; a request already written may have been stored. An {@link #ask(String) ask}
     * whose question was stored already fails with the same {@link ClientClosedException} (the
     * question stays in the conversation). Does nothing when already closed.
     */
    @Override
    void close();
}
