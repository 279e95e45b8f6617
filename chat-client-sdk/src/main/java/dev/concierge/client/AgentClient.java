package dev.concierge.client;

import dev.concierge.protocol.AgentInfo;
import dev.concierge.protocol.HandoffPackage;
import dev.concierge.protocol.PresenceStatus;
import dev.concierge.protocol.QueueEntry;
import dev.concierge.protocol.ReceiptStatus;
import dev.concierge.protocol.TranscriptEvent;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.random.RandomGenerator;

/**
 * An agent's live connection to a Concierge server: take conversations from the queue, answer
 * visitors, close conversations. For bots and integrations; people use the web console.
 *
 * <pre>{@code
 * AgentClient agent = AgentClient.builder()
 *         .serverUri(URI.create("http://127.0.0.1:8080"))
 *         .credentials("demo", "demo-password")
 *         .listener(new AgentListener() {
 *             @Override public void onAssigned(AgentClient client, Assignment assignment) {
 *                 System.out.println("New chat: " + assignment.handoff().question());
 *                 client.send(assignment.conversationId(), "Hello, I'm here to help.");
 *             }
 *         })
 *         .connect().join();
 * }</pre>
 *
 * <h2>States</h2>
 * The same as {@link VisitorClient}: {@code CONNECTING → OPEN → RECONNECTING → OPEN ... →
 * CLOSED}. With credentials the client logs in ({@code POST /api/agent/login}) before the first
 * socket, and again when the server rejects its session token on a reconnect. With a token only,
 * a rejected token ({@code error unauthorized}, close code 1008) closes the client for good.
 *
 * <h2>Nothing lost</h2>
 * Requests keep their UUID {@code id} and stay in an outbox until answered; after a reconnect they
 * are sent again with the same ids, and so is a request the server could not store (an
 * {@code internal} error), after a backoff (with reconnecting turned off its future fails
 * instead). After a reconnect the client also asks for the
 * {@code history} of each assigned conversation after the highest {@code seq} it has seen, so
 * {@link #transcript(String)} holds every event once, in order.
 *
 * <h2>Conversations the agent already owns</h2>
 * On connect the server repeats the handoff package of every conversation the agent owns (from an
 * earlier session or another console): {@link AgentListener#onAssigned} is called for each, with
 * {@link Assignment#resumed()} true, so an integration that restarts picks them up. After a
 * reconnect of the same client only the events it missed are reported.
 *
 * <h2>Whole transcripts</h2>
 * The server sends a long conversation's handoff package with its last events only
 * ({@code transcriptTotal} counts them all, docs/protocol.md). The client then reads the earlier
 * ones with {@code history}, page by page, before it reports the assignment: the package given to
 * {@link AgentListener#onAssigned}, {@link #accept} and {@link #assignedConversations()} always
 * holds the whole transcript, so an integration never answers without having read it.
 *
 * <h2>The queue</h2>
 * The server sends the queue a page at a time (50 entries, {@code total} counts all); the
 * client sees the first page until it asks for another with {@link #queuePage(int)}.
 *
 * <h2>Threads</h2>
 * Thread-safe and non-blocking. Listener calls come one at a time, in order, never under a lock;
 * futures complete on a pool thread.
 */
public interface AgentClient extends AutoCloseable {

    /**
     * A new builder; {@link Builder#serverUri(URI)} (or {@link Builder#serverUris(List)}) and
     * credentials or a token are required.
     */
    static Builder builder() {
        return new AgentClientBuilder();
    }

    /** The connection's lifecycle; see {@link VisitorClient} for the transitions. */
    enum State {
        /** The first connect (and login) is under way. */
        CONNECTING,
        /** Connected and greeted: requests are sent at once. */
        OPEN,
        /** The socket was lost; the client is reconnecting and requests wait in the outbox. */
        RECONNECTING,
        /** Closed for good: requests fail with code {@code closed}. */
        CLOSED
    }

    /** Configures and opens an {@link AgentClient}. Setters check their argument at once. */
    interface Builder {
        /** The server's base URI, {@code http(s)://host:port}: login at {@code /api/agent/login}, socket at {@code /ws/agent}. */
        Builder serverUri(URI uri);

        /**
         * The base URIs of the nodes of one cluster, each as for {@link #serverUri(URI)}: the
         * client connects to one of them and, when that fails or the socket is lost, makes each
         * next attempt (after the usual backoff) to the next URI in the list, round robin, starting
         * from one picked with {@link #random(RandomGenerator)}. A lost socket resumes on whichever
         * node the next attempt reaches: every node of a cluster shares the conversations, and a
         * session token from one node is valid on every node. The login fails over as well: when
         * it cannot reach a node, or the node answers HTTP 5xx, it goes on at once to the next
         * one, and the socket then opens on the node that answered. The first connect tries each
         * URI once before it fails. A single load-balancer URI
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

        /** Log in with a user name and password (and again whenever the session token is rejected). */
        Builder credentials(String username, String password);

        /** Use a session token from an earlier login instead of (or before) the credentials. */
        Builder token(String sessionToken);

        /** Receives assignments, events, queue updates, typing, errors and state changes. */
        Builder listener(AgentListener listener);

        /**
         * The presence to sign in with; default none: the agent comes online (or keeps the
         * presence they have on another console). With {@code away} nothing is assigned until
         * {@link AgentClient#presence} says {@code online}. The client says hello again with the
         * presence last asked for after each reconnect.
         */
        Builder presence(PresenceStatus status);

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
         * How long the first connect may take in all, login included, up to the server's welcome (and each later
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
         * The JDK HTTP client for the login and the sockets; default one that every client
         * without its own shares, made on first use, running on the SDK's shared pool.
         */
        Builder httpClient(HttpClient httpClient);

        /**
         * Logs in if needed and connects. Completes after the server's {@code welcome}; fails with
         * a {@link ServerRefusedException} (code {@code unauthorized}) for bad credentials or
         * token, a {@link ConnectFailedException} when no server could be reached, greeted or
         * logged in to within the connect timeout.
         *
         * @throws IllegalStateException when no server URI, or neither credentials nor token, was set
         */
        CompletableFuture<AgentClient> connect();
    }

    /** Who the agent is, from the server's welcome. */
    AgentInfo agent();

    /**
     * Goes {@code online} (new conversations are routed here) or {@code away}; a reconnect says
     * hello with this presence, so the agent stays as they chose.
     */
    CompletableFuture<Void> presence(PresenceStatus status);

    /**
     * Takes a queued conversation. Completes with its assignment (the handoff package, whose
     * transcript is whole), or fails with the server's error (code {@code bad_state} when it is no longer queued).
     */
    CompletableFuture<Assignment> accept(String conversationId);

    /**
     * Transfers a conversation this agent owns to another online agent, with a note only agents
     * see. Completes when the {@code transferred} event is stored; fails with code
     * {@code unavailable} when that agent is not online, and {@code agent_at_capacity} when they
     * already have as many chats as the server's limit (then {@link #transfer(String, String,
     * String, boolean)} with {@code force} gives it to them anyway).
     */
    default CompletableFuture<Stored> transfer(String conversationId, String agentId, String note) {
        return transfer(conversationId, agentId, note, false);
    }

    /**
     * {@link #transfer(String, String, String)}; with {@code force} the transfer goes through even
     * when the receiving agent is at their chat limit (they then have one over it). Use it after
     * the sender confirmed an {@code agent_at_capacity} refusal.
     */
    CompletableFuture<Stored> transfer(String conversationId, String agentId, String note, boolean force);

    /**
     * Transfers a conversation this agent owns to a department's queue (ahead of new arrivals,
     * never back to this agent), with a note only agents see.
     */
    CompletableFuture<Stored> transferToDepartment(String conversationId, String department, String note);

    /** Adds an internal note: stored, shown to agents, never to the visitor. */
    CompletableFuture<Stored> note(String conversationId, String text);

    /** Tells the visitor that events up to {@code seq} were received or read (not acknowledged). */
    void receipt(String conversationId, long seq, ReceiptStatus status);

    /** Sends a message to the visitor of an assigned conversation. */
    CompletableFuture<Stored> send(String conversationId, String text);

    /**
     * {@link #send(String, String)} with a deadline or a request id of the caller's choosing: a
     * retry with the same request id is stored once.
     *
     * @param conversationId the conversation
     * @param text the message
     * @param options the request's deadline (else the builder's {@code requestTimeout}) and id
     *     (else a fresh UUID)
     * @return completes when the server stored the message
     * @throws IllegalArgumentException when a request with this id is still waiting for its answer
     */
    CompletableFuture<Stored> send(String conversationId, String text, RequestOptions options);

    /** Closes a conversation; {@code reason} is free text (e.g. {@code resolved}), may be null. */
    CompletableFuture<Stored> closeConversation(String conversationId, String reason);

    /** The events of a conversation after {@code afterSeq} (0 for all): every page of them. */
    CompletableFuture<History> history(String conversationId, long afterSeq);

    /** Tells the visitor whether the agent is typing; dropped while not open. */
    void typing(String conversationId, boolean typing);

    /** The conversations this agent owns now, by id, with their handoff packages. */
    Map<String, HandoffPackage> assignedConversations();

    /** The entries of the latest page of the queue the server sent. */
    List<QueueEntry> queue();

    /**
     * Shows the page of the queue from {@code offset} (0 to 1,000,000) from now on: completes with
     * that page ({@link QueuePage#total()} counts every entry); later updates keep the offset.
     */
    CompletableFuture<QueuePage> queuePage(int offset);

    /** The handoff transcript and every later event of a conversation, in {@code seq} order, each once. */
    List<TranscriptEvent> transcript(String conversationId);

    /** The connection's state. */
    State state();

    /**
     * The cluster node this client was connected to by the latest {@code welcome} (its
     * {@code node} field), or empty when that server named none (a single server). For
     * diagnostics and tests: which node of a cluster the client is on. It changes when a
     * reconnect reaches another node.
     */
    Optional<String> serverNode();

    /** Disconnects (assigned conversations stay assigned); pending requests fail with code {@code closed}. */
    @Override
    void close();
}
