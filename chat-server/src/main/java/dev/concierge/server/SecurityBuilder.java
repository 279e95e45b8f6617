package dev.concierge.server;

import static dev.concierge.server.BuilderChecks.atLeast;
import static dev.concierge.server.BuilderChecks.origins;
import static dev.concierge.server.BuilderChecks.positive;
import static dev.concierge.server.BuilderChecks.within;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.concierge.server.auth.AgentAuth;
import dev.concierge.server.auth.PasswordHasher;
import dev.concierge.server.auth.Site;
import dev.concierge.server.transport.TrustedProxies;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The setters of {@link ChatServer.Builder} that bound and guard connections: frame, message and
 * header sizes, timeouts, connection caps, rate and flood limits, slow readers, agent sessions and
 * the sign-in throttle, origins, the admin token and trusted proxies (docs/security.md). Apart
 * from the builder's other settings only to keep each file to one concern.
 *
 * @param <B> the builder type the setters return
 */
abstract class SecurityBuilder<B extends SecurityBuilder<B>> {
    final BuilderSettings settings = new BuilderSettings();

    /** The builder itself, returned by every setter. */
    abstract B self();

    /** Largest WebSocket message in bytes; default 64 KiB. */
    public B maxFrameBytes(int max) {
        settings.maxFrameBytes = atLeast(max, 1024, "maxFrameBytes");
        return self();
    }

    /** How long an agent session token lives without use; default 8 hours. */
    public B agentSessionTtl(Duration ttl) {
        settings.agentSessionTtl = positive(ttl, "agentSessionTtl");
        return self();
    }

    /**
     * The absolute lifetime of an agent session: however often it is used, a session this
     * old ends and the agent signs in again; default 7 days. (Beside it, a session ends after
     * {@link #agentSessionTtl} without use.)
     */
    public B agentSessionMaxAge(Duration maxAge) {
        settings.agentSessionMaxAge = positive(maxAge, "agentSessionMaxAge");
        return self();
    }

    /**
     * Sign-in throttling (docs/agents.md): failed attempts allowed per username and address,
     * per address, and per username from addresses that already failed, each getting one
     * attempt back every {@code refillEvery}. More get HTTP 429 with {@code Retry-After}.
     * Defaults 5, 20, 20, one minute. The right password from an address without failures
     * is never held back by the per-username limit.
     */
    public B loginThrottle(int perUserAndAddress, int perAddress, int perUser, Duration refillEvery) {
        settings.loginThrottle = BuilderChecks.loginLimits(perUserAndAddress, perAddress, perUser, refillEvery);
        return self();
    }

    /**
     * Time for session idle expiry, sign-in throttling and the per-connection message rate
     * limit (tests; the system's by default).
     */
    public B ticker(Ticker ticker) {
        settings.ticker = Objects.requireNonNull(ticker, "ticker");
        return self();
    }

    /** How passwords are checked (tests; {@link PasswordHasher#verify} by default). */
    B passwordCheck(AgentAuth.PasswordCheck check) {
        settings.passwordCheck = Objects.requireNonNull(check, "passwordCheck");
        return self();
    }

    /**
     * Largest WebSocket message in bytes once its continuation frames are joined; default
     * 64 KiB. Larger messages close the socket with 1009 without being buffered whole.
     */
    public B maxMessageBytes(int max) {
        settings.maxMessageBytes = atLeast(max, 1024, "maxMessageBytes");
        return self();
    }

    /** Largest HTTP header block (and WebSocket handshake) in bytes; default 8 KiB. */
    public B maxHeaderBytes(int max) {
        settings.maxHeaderBytes = within(max, 1024, 1024 * 1024, "maxHeaderBytes");
        return self();
    }

    /**
     * Time a connection has to send a complete HTTP request or WebSocket handshake before it
     * is closed (slowloris); default 10 s.
     */
    public B requestTimeout(Duration timeout) {
        settings.requestTimeout = positive(timeout, "requestTimeout");
        return self();
    }

    /**
     * A WebSocket that has sent nothing for {@code pingAfter} gets a ping; one that has still
     * sent nothing (not even the pong) after {@code closeAfter} is closed. Defaults 30 s / 75 s.
     */
    public B idleTimeouts(Duration pingAfter, Duration closeAfter) {
        BuilderChecks.idleTimeouts(pingAfter, closeAfter);
        settings.pingAfter = pingAfter;
        settings.idleCloseAfter = closeAfter;
        return self();
    }

    /** Open connections allowed from one IP address; more get HTTP 429. Default 50. */
    public B maxConnectionsPerIp(int max) {
        settings.maxConnectionsPerIp = atLeast(max, 1, "maxConnectionsPerIp");
        return self();
    }

    /**
     * Open connections allowed in all, from every address together; more get HTTP 429.
     * Default 20,000 (about 80 MiB of heap for idle visitors); keep it below the process's
     * open-file limit ({@code ulimit -n}).
     */
    public B maxConnections(int max) {
        settings.maxConnections = atLeast(max, 1, "maxConnections");
        return self();
    }

    /**
     * Time a WebSocket has from its handshake to its {@code hello}; one that has not said
     * hello by then is closed with 1008 "hello timeout" (answering pings does not keep it
     * open). Default 10 s.
     */
    public B helloTimeout(Duration timeout) {
        settings.helloTimeout = positive(timeout, "helloTimeout");
        return self();
    }

    /**
     * Messages per second per WebSocket (a token bucket holding {@code burst}); messages over
     * the rate get a {@code rate_limited} error and are not processed. Default 20/s, burst 200:
     * the burst is large because a client that reconnects resends its whole outbox at once.
     */
    public B rateLimit(int messagesPerSecond, int burst) {
        settings.messagesPerSecond = atLeast(messagesPerSecond, 1, "messagesPerSecond");
        settings.messageBurst = atLeast(burst, 1, "messageBurst");
        return self();
    }

    /** A socket sending more than ten times the rate for this long is closed (1008); default 3 s. */
    public B floodCloseAfter(Duration duration) {
        settings.floodCloseAfter = positive(duration, "floodCloseAfter");
        return self();
    }

    /**
     * Slow readers: the write buffer water marks (default 32 KiB / 64 KiB), the most unsent
     * bytes a socket may hold (default 8 MiB, far above any frame: frames are bounded) and how
     * long an unwritable socket may go without any write progress (default 15 s) before it
     * is closed. A socket whose peer reads, however slowly, is closed only at the cap.
     */
    public B slowReaderLimits(int lowWater, int highWater, int maxPendingBytes, Duration unwritableTimeout) {
        BuilderChecks.writeWaterMarks(lowWater, highWater, maxPendingBytes);
        settings.unwritableTimeout = positive(unwritableTimeout, "unwritableTimeout");
        settings.writeLowWater = lowWater;
        settings.writeHighWater = highWater;
        settings.maxPendingWriteBytes = maxPendingBytes;
        return self();
    }

    /**
     * Accept WebSocket handshakes from any {@code Origin}. Off by default; only for demos,
     * where pages of any origin embed the widget.
     */
    public B allowAnyOrigin(boolean allow) {
        settings.allowAnyOrigin = allow;
        return self();
    }

    /**
     * Origins (exactly {@code scheme://host[:port]}) whose pages may open WebSockets, for every
     * site. The server's own origin is always allowed; so are clients that send no Origin
     * (not browsers).
     */
    public B allowedOrigins(List<String> origins) {
        settings.allowedOrigins = origins(origins, "allowedOrigins");
        return self();
    }

    /** Origins whose pages may open WebSockets for one site (the {@code site} of the hello). */
    public B siteOrigins(String site, List<String> origins) {
        BuilderChecks.notBlank(site, "site");
        settings.siteOrigins.put(site, origins(origins, "siteOrigins"));
        settings.sites.putIfAbsent(site, Site.withDefaults(site)); // a site with origins is a configured site
        return self();
    }

    /** Bearer token for the admin API ({@code /api/admin/...}); without one the admin API is off. */
    public B adminToken(String token) {
        settings.adminToken = BuilderChecks.adminToken(token);
        return self();
    }

    /**
     * The load balancers in front of this server that send the PROXY protocol (haproxy's
     * {@code send-proxy-v2}; docs/scaling.md): IP addresses ({@code 127.0.0.1}, {@code ::1})
     * and CIDR blocks ({@code 10.0.0.0/8}). A connection from one of them must start with a
     * PROXY protocol header (v1 or v2), else it is closed; the client's address it names is
     * the one every per-address limit, throttle and log line uses. A connection from any other
     * address is never read for a header. Default: none.
     */
    public B trustedProxies(List<String> proxies) {
        TrustedProxies.parse(proxies, "trustedProxies");
        settings.trustedProxies = List.copyOf(proxies);
        return self();
    }
}
