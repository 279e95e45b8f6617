package dev.concierge.client;

import dev.concierge.protocol.ReceiptStatus;
import dev.concierge.protocol.Suggestion;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.VisitorContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.random.RandomGenerator;

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
 *      └── first connect ───┴──── close() ────────────┴──▶ CLOSED
 *          fails                  (or socket lost with reconnect disabled, or refused for good)
 * </pre>
 * The first attempt does not retry: if it fails, {@link Builder#connect()} fails and the client
 * is {@link State#CLOSED} (with several {@link Builder#serverUris(List) server URIs}, once each
 * has failed). Once open, a lost socket is reopened with exponential backoff and full
 * jitter until {@link #close()}.
 *
 * <h2>Nothing lost</h2>
 * Every request carries a fresh UUID {@code id}. Requests stay in an outbox until the server
 * answers them; after a reconnect they are sent again with their original ids (the server stores
 * a resend once and acknowledges it with the same {@code seq}). A request the server could not
 * store (an {@code internal} error) is sent again with its id after a backoff, until it is
 * stored or the client closes; with reconnecting turned off its future fails instead. Requests made while
 * reconnecting wait in the outbox; their futures complete on the eventual answer. The client
 * resumes its conversation from the highest {@code seq} it has seen and merges what it missed,
 * so {@link #transcript()} holds every event once, in {@code seq} order.
 *
 * <h2>Threads</h2>
 * All methods are thread-safe and none blocks. Listener methods are called one at a time, in the
 * order the client saw things happen, on a pool thread, never while the client holds a lock.
 * Futures complete on a pool thread as well, so a dependent stage may block on another request.
 */
public interface VisitorClient extends AutoCloseable {

    /** A new builder; only {@link Builder#serverUri(URI)} (or {@link Builder#serverUris(List)}) is required. */
    static Builder builder() {
        return new VisitorClientBuilder();
    }

    /** The connection's lifecycle; see the class description for the transitions. */
    enum State {
        /** The first connect is under way. */
        CONNECTING,
        /** Connected and greeted: requests are sent at once. */
        OPEN,
        /** The socket was lost; the client is reconnecting and requests wait in the outbox. */
        RECONNECTING,
        /** Closed for good: requests fail with code {@code closed}. */
        CLOSED
    }

    /** Configures and opens a {@link VisitorClient}. Setters check their argument at once. */
    interface Builder {
        /** The server's base URI, {@code http(s)://host:port}; the socket is {@code ws(s)://host:port/ws/visitor}. */
        Builder serverUri(URI uri);

        /**
         * The base URIs of the nodes of one cluster, each as for {@link #serverUri(URI)}: the
         * client connects to one of them and, when that fails or the socket is lost, makes each
         * next attempt (after the usual backoff) to the next URI in the list, round robin, starting
         * from one picked with {@link #random(RandomGenerator)}. A lost socket resumes on whichever
         * node the next attempt reaches: every node of a cluster shares the conversations.
         * The first connect tries each URI once before it fails. A single load-balancer URI
         * given to {@link #serverUri(URI)} works as well; this list needs no load balancer.
         * Replaces an earlier {@code serverUri}, and the other way round.
         *
         * @throws IllegalArgumentException when the list is empty, a URI is not
         *     {@code http(s)://host:port}, one repeats, or TLS and plain URIs are mixed (the message
         *     names {@code serverUris})
         */
        Builder serverUris(List<URI> uris);

        /** {@link #serverUris(List)} with the URIs given in order. */
        default Builder serverUris(URI... uris) {
            return serverUris(Arrays.asList(Objects.requireNonNull(uris, "serverUris")));
        }

        /** The site the widget is embedded in; default {@code "demo"}. */
        Builder site(String site);

        /** The token of a known visitor (from an earlier {@link #visitorToken()}): continue as them. */
        Builder visitorToken(String token);

        /**
         * Who and where the visitor is, shown to the agent at handoff. A {@link VisitorContext}
         * is held to the protocol's limits when it is built (docs/protocol.md, "Limits of the
         * visitor's context"), so the server never refuses the one given here.
         */
        Builder context(VisitorContext context);

        /** Receives events, queue updates, typing, errors and state changes. */
        Builder listener(VisitorListener listener);

        /**
         * Whether a lost socket is reopened; default {@code true}. Off, a lost socket closes the
         * client ({@code CLOSED}) and requests waiting for an answer fail with a
         * {@link ConnectionLostException}. On, requests wait in the outbox through reconnects
         * (each until its {@link #requestTimeout(Duration) deadline}), and reconnecting stops
         * after {@link #giveUpAfter(Duration)} without a welcome. The first connect retries
         * either way, within the {@link #connectTimeout(Duration) connect timeout}.
         */
        Builder reconnect(boolean enabled);

        /** Reconnect delays: exponential from {@code initial} up to {@code max}, full jitter; default 500 ms to 30 s. */
        Builder backoff(Duration initial, Duration max);

        /**
         * The source of jitter; default {@link RandomGenerator#getDefault()}. Inject a seeded one
         * in tests. It is used under the client's lock: do not share a generator that is not
         * thread-safe between clients.
         */
        Builder random(RandomGenerator random);

        /**
         * How long the first connect may take in all, up to the server's welcome (and each later
         * reconnect attempt); default 10 s. The first connect tries again, with the
         * {@link #backoff(Duration, Duration) backoff} and over the server URIs, until this has
         * passed, then fails with a {@link ConnectFailedException} whose cause is the last
         * attempt's root cause (a {@link java.net.ConnectException}, ...). A refusal (bad
         * credentials, an HTTP answer other than a server error) fails at once.
         *
         * @throws IllegalArgumentException when not positive
         */
        Builder connectTimeout(Duration timeout);

        /**
         * Every request's deadline, counted from the call; default 30 s. A request not answered
         * by then (through reconnects, and resends of a store the server could not make) leaves
         * the outbox, is never sent again, and its future fails with a
         * {@link DeadlineExceededException} that says whether the server may have it. A
         * request's own {@link RequestOptions#withDeadline(Duration)} replaces it. Cancelling a
         * request's future, or failing it ({@code orTimeout}, {@code completeExceptionally}),
         * withdraws the request the same way.
         *
         * @throws IllegalArgumentException when not positive
         */
        Builder requestTimeout(Duration timeout);

        /**
         * How long a lost socket is reopened without a {@code welcome} before the client gives
         * up; default 15 minutes. Then the client goes {@code CLOSED} and waiting requests fail
         * with {@link ConnectionLostException}. With {@link #reconnect(boolean) reconnect(false)}
         * the client gives up at once.
         *
         * @throws IllegalArgumentException when not positive
         */
        Builder giveUpAfter(Duration bound);

        /**
         * Where listener methods run (one at a time, in order, per client) and request futures
         * complete. Default: the SDK's one JVM-wide pool of daemon threads named
         * {@code concierge-client-N}, at most four (or one per CPU) whatever the number of
         * clients, idle ones ending after 30 s; never the common {@code ForkJoinPool} and never
         * a thread per task. A listener or dependent stage that blocks holds one of those
         * threads: give blocking code its own executor. The executor must run tasks on another
         * thread (not the caller's), or listener code would run while the client holds its lock.
         */
        Builder executor(java.util.concurrent.Executor executor);

        /**
         * The JDK HTTP client that opens the sockets (and logs agents in); default one that every
         * client without its own shares, made on first use, running on the SDK's shared pool.
         */
        Builder httpClient(HttpClient httpClient);

        /**
         * Connects. Completes after the server's {@code welcome} and, when the visitor has an
         * open conversation, after its {@code transcript}; fails with a
         * {@link ConnectFailedException} when no server could be reached and greeted within the
         * connect timeout, a {@link ServerRefusedException} when the server refused the hello.
         *
         * @throws IllegalStateException when no server URI was set
         */
        CompletableFuture<VisitorClient> connect();
    }

    /**
     * Sends a chat message in the current conversation; when there is none (or it is closed),
     * the server starts one, the ack names it and the client adopts it.
     *
     * @return completes when the server stored the message, with its conversation and {@code seq};
     *     the bot's reply, if any, arrives through {@link VisitorListener#onEvent} (use
     *     {@link #ask(String)} to get it here)
     * @throws IllegalArgumentException when the text is blank or too long
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
     *
     * @throws IllegalArgumentException when the text is blank or too long
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

    /** Picks a bot "did you mean" suggestion: sends its question with its {@code entryId}. */
    CompletableFuture<Stored> choose(Suggestion suggestion);

    /** Asks for a human (a {@code handoff} request) in the current conversation. */
    CompletableFuture<Stored> requestHuman();

    /** Asks for a human of a department (e.g. {@code billing}). */
    CompletableFuture<Stored> requestHuman(String department);

    /**
     * Leaves a message with a contact email while nobody can answer: it becomes a follow-up that
     * an agent answers later in the same conversation.
     */
    CompletableFuture<Stored> leaveMessage(String name, String email, String text);

    /**
     * Merges new context (page, attributes) into the visitor's; their agent sees it at once. The
     * future fails with a {@code bad_request} error, and the stored context stays as it was, if
     * the merged context would exceed the limits of one (more than 50 attributes, or more than
     * 16,384 characters in all).
     */
    CompletableFuture<Void> updateContext(VisitorContext context);

    /** Tells the agent that events up to {@code seq} were received or read (not acknowledged). */
    void receipt(long seq, ReceiptStatus status);

    /**
     * Closes the current conversation (not the connection).
     *
     * @param reason free text, may be null
     * @return fails with code {@code no_conversation} when there is no conversation
     */
    CompletableFuture<Stored> closeConversation(String reason);

    /**
     * Rates the current conversation after it closed.
     *
     * @param score 1 to 5
     * @param comment kept verbatim, may be null
     * @throws IllegalArgumentException when the score is not 1 to 5
     */
    CompletableFuture<Stored> rate(int score, String comment);

    /**
     * The events of one of the visitor's conversations after {@code afterSeq} (0 for all): every
     * page of them, read one after the other.
     */
    CompletableFuture<History> history(String conversationId, long afterSeq);

    /** Tells the other side whether the visitor is typing; dropped when not open or no conversation. */
    void typing(boolean typing);

    /** The current conversation: the latest one, also after it closed (so that it can be rated). */
    Optional<String> conversationId();

    /** The visitor's id, from the server's welcome. */
    String visitorId();

    /** The visitor's token: pass it to {@link Builder#visitorToken(String)} to continue later. */
    String visitorToken();

    /** The events seen in the current conversation, in {@code seq} order, each exactly once. */
    List<TranscriptEvent> transcript();

    /** The latest queue position of the current conversation, while it waits for an agent. */
    Optional<QueueStatus> queueStatus();

    /** The connection's state. */
    State state();

    /**
     * The cluster node this client was connected to by the latest {@code welcome} (its
     * {@code node} field), or empty when that server named none (a single server). For
     * diagnostics and tests: which node of a cluster the client is on. It changes when a
     * reconnect reaches another node.
     */
    Optional<String> serverNode();

    /** Disconnects (the conversation stays open); pending requests fail with code {@code closed}. */
    @Override
    void close();
}
