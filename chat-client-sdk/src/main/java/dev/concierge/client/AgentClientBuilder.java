package dev.concierge.client;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/** The {@link AgentClient.Builder}: checks each value as it is set. */
final class AgentClientBuilder extends ClientBuilder<AgentClient.Builder> implements AgentClient.Builder {
    private String username;
    private String password;
    private String token;
    private AgentListener listener = new AgentListener() {};
    private dev.concierge.protocol.PresenceStatus presence;

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
    public CompletableFuture<AgentClient> connect() {
        if (username == null && token == null) {
            throw new IllegalStateException("credentials or token is required");
        }
        Settings frozen = settings.freeze();
        return new DefaultAgentClient(frozen, username, password, token, listener, presence).start();
    }

    @Override
    AgentClient.Builder self() {
        return this;
    }
}
