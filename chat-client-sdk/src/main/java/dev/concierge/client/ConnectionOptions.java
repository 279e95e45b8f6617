package dev.concierge.client;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.random.RandomGenerator;

/**
 * How a client connects, reconnects, times its requests and runs its callbacks: the options
 * {@link VisitorClient.Builder} and {@link AgentClient.Builder} share. Setters check their
 * argument at once and return the builder they were called on.
 *
 * @param <B> the builder type, so that calls chain
 */
public interface ConnectionOptions<B extends ConnectionOptions<B>> {
    /**
     * The server's base URI, {@code http(s)://host:port}: a visitor's socket is
     * {@code ws(s)://host:port/ws/visitor}; an agent logs in at {@code /api/agent/login} and
     * opens {@code /ws/agent}. Replaces earlier {@link #serverUris(List)}.
     *
     * @param uri the base URI ({@code ws(s)://} is taken as well)
     * @return this builder
     * @throws NullPointerException when {@code uri} is null
     * @throws IllegalArgumentException when it is not {@code http(s)://host:port} (the message
     *     names {@code serverUri})
     */
    B serverUri(URI uri);

    /**
     * The base URIs of the nodes of one cluster, each as for {@link #serverUri(URI)}: the
     * client connects to one of them and, when that fails or the socket is lost, makes each
     * next attempt (after the usual backoff) to the next URI in the list, round robin, starting
     * from one picked with {@link #random(RandomGenerator)}. A lost socket resumes on whichever
     * node the next attempt reaches: every node of a cluster shares the conversations, and an
     * agent's session token from one node is valid on every node. An agent's login fails over
     * as well: when it cannot reach a node, or the node answers HTTP 5xx, it goes on at once to
     * the next one, and the socket then opens on the node that answered. The first connect goes
     * on over the URIs the same way until the {@link #connectTimeout(Duration) connect timeout}
     * has passed. A single load-balancer URI given to {@link #serverUri(URI)} works as well; this
     * list needs no load balancer. Replaces an earlier {@code serverUri}, and the other way
     * round.
     *
     * @param uris the base URIs of the cluster's nodes, at least one
     * @return this builder
     * @throws NullPointerException when the list or one of its URIs is null
     * @throws IllegalArgumentException when the list is empty, a URI is not
     *     {@code http(s)://host:port}, one repeats, or TLS and plain URIs are mixed (the message
     *     names {@code serverUris})
     */
    B serverUris(List<URI> uris);

    /**
     * {@link #serverUris(List)} with the URIs given in order.
     *
     * @param uris the base URIs of the cluster's nodes
     * @return this builder
     * @throws NullPointerException when the array or one of its URIs is null
     * @throws IllegalArgumentException as {@link #serverUris(List)} does
     */
    default B serverUris(URI... uris) {
        return serverUris(Arrays.asList(Objects.requireNonNull(uris, "serverUris")));
    }

    /**
     * Whether a lost socket is reopened; default {@code true}. Off, a lost socket closes the
     * client ({@code CLOSED}) and requests waiting for an answer fail with a
     * {@link ConnectionLostException}; so does a request the server could not store (an
     * {@code internal} error), which is not sent again. On, requests wait in the outbox
     * through reconnects (each until its {@link #requestTimeout(Duration) deadline}), and
     * reconnecting stops after {@link #giveUpAfter(Duration)} without a welcome. The first
     * connect retries either way, within the {@link #connectTimeout(Duration) connect timeout}.
     *
     * @param enabled false to close the client when its socket is lost
     * @return this builder
     */
    B reconnect(boolean enabled);

    /**
     * Delays between attempts (reconnects, the retries of the first connect, the resends of a
     * request the server could not store): exponential from {@code initial} up to
     * {@code max}, full jitter; default 500 ms to 30 s.
     *
     * @param initial the longest delay before the first retry; at least 1 ms
     * @param max the longest delay of all; not less than {@code initial}
     * @return this builder
     * @throws NullPointerException when either is null
     * @throws IllegalArgumentException when {@code initial} is under 1 ms or {@code max} is
     *     less than {@code initial}
     */
    B backoff(Duration initial, Duration max);

    /**
     * The source of jitter; default {@link RandomGenerator#getDefault()}. Inject a seeded one
     * in tests. It is used under the client's lock: do not share a generator that is not
     * thread-safe between clients.
     *
     * @param random the generator of the backoff's jitter and of the first server URI
     * @return this builder
     * @throws NullPointerException when {@code random} is null
     */
    B random(RandomGenerator random);

    /**
     * How long the first connect may take in all (an agent's login included), up to the
     * server's welcome (and each later reconnect attempt); default 10 s. The first connect tries
     * again, with the {@link #backoff(Duration, Duration) backoff} and over the server URIs,
     * until this has passed, then fails with a {@link ConnectFailedException} whose cause is the last
     * attempt's root cause (a {@link java.net.ConnectException}, ...). A refusal (bad
     * credentials, an HTTP answer other than a server error) fails at once.
     *
     * @param timeout how long the first connect may take in all, and each reconnect attempt
     * @return this builder
     * @throws NullPointerException when {@code timeout} is null
     * @throws IllegalArgumentException when shorter than 1 ms
     */
    B connectTimeout(Duration timeout);

    /**
     * Every request's deadline, counted from the call; default 30 s. A request not answered
     * by then (through reconnects, and resends of a store the server could not make) leaves
     * the outbox, is never sent again, and its future fails with a
     * {@link DeadlineExceededException} that says whether the server may have it. A
     * request's own {@link RequestOptions#withDeadline(Duration)} replaces it. Cancelling a
     * request's future, or failing it ({@code orTimeout}, {@code completeExceptionally}),
     * withdraws the request the same way.
     *
     * @param timeout the deadline of every request made without its own
     * @return this builder
     * @throws NullPointerException when {@code timeout} is null
     * @throws IllegalArgumentException when shorter than 1 ms
     */
    B requestTimeout(Duration timeout);

    /**
     * How long a lost socket is reopened without a {@code welcome} before the client gives
     * up; default 15 minutes. Then the client goes {@code CLOSED} and waiting requests fail
     * with {@link ConnectionLostException}. With {@link #reconnect(boolean) reconnect(false)}
     * the client gives up at once.
     *
     * @param bound how long, since the last {@code welcome}, the client tries to reconnect
     * @return this builder
     * @throws NullPointerException when {@code bound} is null
     * @throws IllegalArgumentException when shorter than 1 ms
     */
    B giveUpAfter(Duration bound);

    /**
     * Where listener methods run (one at a time, in order, per client) and request futures
     * complete. Default: the SDK's one JVM-wide pool of daemon threads named
     * {@code concierge-client-N}, at most four (or one per CPU) whatever the number of
     * clients, idle ones ending after 30 s; never the common {@code ForkJoinPool} and never
     * a thread per task. (Every client's timers, whatever its executor, share one more daemon
     * thread, {@code concierge-client-timer}, which only hands due tasks to the executor.) A
     * listener or dependent stage that blocks holds one of the executor's threads: give
     * blocking code its own executor. The executor must run tasks on another thread (not the
     * caller's), or listener code would run while the client holds its lock.
     *
     * @param executor the executor; the client never shuts it down
     * @return this builder
     * @throws NullPointerException when {@code executor} is null
     */
    B executor(Executor executor);

    /**
     * The JDK HTTP client that opens the sockets (and logs agents in); default one that every
     * client without its own shares, made on first use, running on the SDK's shared pool.
     *
     * @param httpClient the HTTP client; the client never closes it
     * @return this builder
     * @throws NullPointerException when {@code httpClient} is null
     */
    B httpClient(HttpClient httpClient);
}
