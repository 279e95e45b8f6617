package dev.concierge.client;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * The connection settings both clients share, frozen when {@code connect()} is called.
 * {@link Draft} is the mutable side the builders fill in; it checks each value as it is set and
 * names the bad argument.
 */
record Settings(
        List<URI> serverUris,
        boolean reconnect,
        Duration backoffInitial,
        Duration backoffMax,
        RandomGenerator random,
        Duration connectTimeout,
        HttpClient httpClient,
        Executor executor,
        Duration requestTimeout,
        Duration giveUpAfter,
        LongSupplier ticker) {

    /**
     * The WebSocket URI for {@code path} ({@code /ws/visitor}, {@code /ws/agent}) under the base
     * URI {@code serverUri} (one of {@link #serverUris()}).
     */
    static URI socketUri(URI serverUri, String path) {
        return resolve(serverUri, secure(serverUri) ? "wss" : "ws", path);
    }

    /** The HTTP URI for {@code path} (e.g. {@code /api/agent/login}) under the base URI {@code serverUri}. */
    static URI httpUri(URI serverUri, String path) {
        return resolve(serverUri, secure(serverUri) ? "https" : "http", path);
    }

    private static boolean secure(URI serverUri) {
        String scheme = serverUri.getScheme().toLowerCase(Locale.ROOT);
        return scheme.equals("https") || scheme.equals("wss");
    }

    private static URI resolve(URI serverUri, String scheme, String path) {
        String base = serverUri.getRawPath() == null ? "" : serverUri.getRawPath();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        String authority = serverUri.getRawAuthority();
        return URI.create(scheme + "://" + authority + base + path);
    }

    /** The builders' mutable settings, with the defaults. */
    static final class Draft {
        private List<URI> serverUris;
        private boolean reconnect = true;
        private Duration backoffInitial = Duration.ofMillis(500);
        private Duration backoffMax = Duration.ofSeconds(30);
        private RandomGenerator random;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private HttpClient httpClient;
        private Executor executor;
        private Duration requestTimeout = Duration.ofSeconds(30);
        private Duration giveUpAfter = Duration.ofMinutes(15);
        private LongSupplier ticker = System::nanoTime;

        void serverUri(URI uri) {
            Objects.requireNonNull(uri, "serverUri");
            check("serverUri", uri);
            this.serverUris = List.of(uri);
        }

        /**
         * Several base URIs, the nodes of one cluster: each must pass {@link #serverUri(URI)}'s
         * checks, none may repeat, and all are TLS ({@code https}/{@code wss}) or none is (a
         * session token must not travel in the clear to some nodes only).
         */
        void serverUris(List<URI> uris) {
            Objects.requireNonNull(uris, "serverUris");
            if (uris.isEmpty()) {
                throw new IllegalArgumentException("serverUris must name at least one server");
            }
            Set<URI> seen = new HashSet<>();
            for (int i = 0; i < uris.size(); i++) {
                URI uri = Objects.requireNonNull(uris.get(i), "serverUris[" + i + "]");
                check("serverUris[" + i + "]", uri);
                if (!seen.add(socketUri(uri, ""))) {
                    throw new IllegalArgumentException("serverUris names " + uri + " twice");
                }
                if (secure(uri) != secure(uris.get(0))) {
                    throw new IllegalArgumentException(
                            "serverUris mixes TLS (https) and plain (http) servers: " + uris.get(0) + " and " + uri);
                }
            }
            this.serverUris = List.copyOf(uris);
        }

        private static void check(String field, URI uri) {
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https") || scheme.equals("ws") || scheme.equals("wss"))) {
                throw new IllegalArgumentException(field + " must be http(s)://host:port, was " + uri);
            }
            if (uri.getHost() == null) {
                throw new IllegalArgumentException(field + " has no host: " + uri);
            }
        }

        void reconnect(boolean enabled) {
            this.reconnect = enabled;
        }

        void backoff(Duration initial, Duration max) {
            Objects.requireNonNull(initial, "initial");
            Objects.requireNonNull(max, "max");
            if (initial.toMillis() <= 0) {
                throw new IllegalArgumentException("backoff initial must be at least 1 ms, was " + initial);
            }
            if (max.compareTo(initial) < 0) {
                throw new IllegalArgumentException("backoff max must not be less than initial, was " + max);
            }
            this.backoffInitial = initial;
            this.backoffMax = max;
        }

        void random(RandomGenerator random) {
            this.random = Objects.requireNonNull(random, "random");
        }

        void connectTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "connectTimeout");
            if (timeout.toMillis() <= 0) {
                throw new IllegalArgumentException("connectTimeout must be positive, was " + timeout);
            }
            this.connectTimeout = timeout;
        }

        void httpClient(HttpClient httpClient) {
            this.httpClient = Objects.requireNonNull(httpClient, "httpClient");
        }

        void executor(Executor executor) {
            this.executor = Objects.requireNonNull(executor, "executor");
        }

        void requestTimeout(Duration timeout) {
            this.requestTimeout = positive("requestTimeout", timeout);
        }

        void giveUpAfter(Duration bound) {
            this.giveUpAfter = positive("giveUpAfter", bound);
        }

        /** The source of {@link System#nanoTime()}-like readings for the time bounds; tests inject one. */
        void ticker(LongSupplier ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
        }

        private static Duration positive(String field, Duration value) {
            Objects.requireNonNull(value, field);
            if (value.toMillis() <= 0) {
                throw new IllegalArgumentException(field + " must be at least 1 ms, was " + value);
            }
            return value;
        }

        /** The frozen settings; fails when the server URI is missing. */
        Settings freeze() {
            if (serverUris == null) {
                throw new IllegalStateException("serverUri (or serverUris) is required");
            }
            RandomGenerator jitter = random != null ? random : RandomGenerator.getDefault();
            HttpClient http = httpClient != null ? httpClient : SharedPool.httpClient();
            Executor callbacks = executor != null ? executor : SharedPool.executor();
            return new Settings(
                    serverUris,
                    reconnect,
                    backoffInitial,
                    backoffMax,
                    jitter,
                    connectTimeout,
                    http,
                    callbacks,
                    requestTimeout,
                    giveUpAfter,
                    ticker);
        }
    }
}
