package dev.concierge.client;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/** The {@link AgentClient.Builder}: checks each value as it is set. */
final class AgentClientBuilder implements AgentClient.Builder {
    private final Settings.Draft settings = new Settings.Draft();
    private String username;
    private String password;
    private String token;
    private AgentListener listener = new AgentListener() {};
    private dev.concierge.protocol.PresenceStatus presence;

    @Override
    public AgentClient.Builder serverUri(URI uri) {
        settings.serverUri(uri);
        return this;
    }

    @Override
    public AgentClient.Builder serverUris(List<URI> uris) {
        settings.serverUris(uris);
        return this;
    }

    @Override
    public AgentClient.Builder credentials(String username, String password) {
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
        if (username.isBlank()) {
            throw new IllegalArgumentException("username must not be blank");
        }
        this.username = username;
        this.password = password;
        return this;
    }

    @Override
    public AgentClient.Builder token(String sessionToken) {
        Objects.requireNonNull(sessionToken, "token");
        if (sessionToken.isBlank() || sessionToken.length() > 128) {
            throw new IllegalArgumentException("token must be 1 to 128 characters");
        }
        this.token = sessionToken;
        return this;
    }

    @Override
    public AgentClient.Builder listener(AgentListener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
        return this;
    }

    @Override
    public AgentClient.Builder presence(dev.concierge.protocol.PresenceStatus status) {
        this.presence = Objects.requireNonNull(status, "presence");
        return this;
    }

    @Override
    public AgentClient.Builder reconnect(boolean enabled) {
        settings.reconnect(enabled);
        return this;
    }

    @Override
    public AgentClient.Builder backoff(Duration initial, Duration max) {
        settings.backoff(initial, max);
        return this;
    }

    @Override
    public AgentClient.Builder random(RandomGenerator random) {
        settings.random(random);
        return this;
    }

    @Override
    public AgentClient.Builder connectTimeout(Duration timeout) {
        settings.connectTimeout(timeout);
        return this;
    }

    @Override
    public AgentClient.Builder requestTimeout(Duration timeout) {
        settings.requestTimeout(timeout);
        return this;
    }

    @Override
    public AgentClient.Builder giveUpAfter(Duration bound) {
        settings.giveUpAfter(bound);
        return this;
    }

    @Override
    public AgentClient.Builder executor(Executor executor) {
        settings.executor(executor);
        return this;
    }

    /** The source of nanosecond readings for the time bounds; tests move it instead of waiting. */
    AgentClient.Builder ticker(LongSupplier ticker) {
        settings.ticker(ticker);
        return this;
    }

    @Override
    public AgentClient.Builder httpClient(HttpClient httpClient) {
        settings.httpClient(httpClient);
        return this;
    }

    @Override
    public CompletableFuture<AgentClient> connect() {
        if (username == null && token == null) {
            throw new IllegalStateException("credentials or token is required");
        }
        Settings frozen = settings.freeze();
        return new DefaultAgentClient(frozen, username, password, token, listener, presence).start();
    }
}
