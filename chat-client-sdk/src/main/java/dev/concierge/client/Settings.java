package dev.concierge.client;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * The connection settings both clients share, frozen when {@code connect()} is called.
 * {@link Draft} is the mutable side the builders fill in; it checks each value as it is set and
 * names the bad argument.
 */
record Settings(
        URI serverUri,
        boolean reconnect,
        Duration backoffInitial,
        Duration backoffMax,
        RandomGenerator random,
        Duration connectTimeout,
        HttpClient httpClient) {

    /** The WebSocket URI for {@code path} ({@code /ws/visitor}, {@code /ws/agent}) under the base URI. */
    URI socketUri(String path) {
        String scheme = serverUri.getScheme().toLowerCase(Locale.ROOT);
        String wsScheme = scheme.equals("https") || scheme.equals("wss") ? "wss" : "ws";
        return resolve(wsScheme, path);
    }

    /** The HTTP URI for {@code path} (e.g. {@code /api/agent/login}) under the base URI. */
    URI httpUri(String path) {
        String scheme = serverUri.getScheme().toLowerCase(Locale.ROOT);
        String httpScheme = scheme.equals("https") || scheme.equals("wss") ? "https" : "http";
        return resolve(httpScheme, path);
    }

    private URI resolve(String scheme, String path) {
        String base = serverUri.getRawPath() == null ? "" : serverUri.getRawPath();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        String authority = serverUri.getRawAuthority();
        return URI.create(scheme + "://" + authority + base + path);
    }

    /** The builders' mutable settings, with the defaults. */
    static final class Draft {
        private URI serverUri;
        private boolean reconnect = true;
        private Duration backoffInitial = Duration.ofMillis(500);
        private Duration backoffMax = Duration.ofSeconds(30);
        private RandomGenerator random;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private HttpClient httpClient;

        void serverUri(URI uri) {
            Objects.requireNonNull(uri, "serverUri");
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https") || scheme.equals("ws") || scheme.equals("wss"))) {
                throw new IllegalArgumentException("serverUri must be http(s)://host:port, was " + uri);
            }
            if (uri.getHost() == null) {
                throw new IllegalArgumentException("serverUri has no host: " + uri);
            }
            this.serverUri = uri;
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

        /** The frozen settings; fails when the server URI is missing. */
        Settings freeze() {
            if (serverUri == null) {
                throw new IllegalStateException("serverUri is required");
            }
            RandomGenerator jitter = random != null ? random : RandomGenerator.getDefault();
            HttpClient http = httpClient != null ? httpClient : HttpClient.newHttpClient();
            return new Settings(serverUri, reconnect, backoffInitial, backoffMax, jitter, connectTimeout, http);
        }
    }
}
