package dev.concierge.server;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The Concierge chat server: WebSocket endpoints for visitors and agents, the FAQ bot, the
 * queue, and the widget, console and demo page over HTTP.
 *
 * <pre>{@code
 * try (ChatServer server = ChatServer.builder().port(0).faq(Path.of("faq.json")).start()) {
 *     System.out.println(server.baseUri());
 * }
 * }</pre>
 */
public interface ChatServer extends AutoCloseable {

    /** A builder with embedded defaults: port 8080 on 127.0.0.1, the sample FAQ, the demo agent. */
    static Builder builder() {
        return new Builder();
    }

    /** The port the server listens on (useful with port 0). */
    int port();

    /** {@code http://host:port/}. */
    URI baseUri();

    /** Stops accepting, tells connected clients the server is going away (1001), and stops. */
    @Override
    void close();

    /** Builds and starts a {@link ChatServer}. Rejects bad values naming the field. */
    final class Builder {
        /** The demo agent's username, printed by the launcher. */
        public static final String DEMO_USERNAME = "demo";
        /** The demo agent's password, printed by the launcher. */
        public static final String DEMO_PASSWORD = "demo-password";

        private String host = "127.0.0.1";
        private int port = 8080;
        private Path faq;
        private Path dataDir;
        private String jdbcUrl;
        private String jdbcUser;
        private String jdbcPassword;
        private ConversationStore store;
        private List<AgentAccount> agents;
        private Clock clock = Clock.systemUTC();
        private int maxChatsPerAgent = 5;
        private int maxFrameBytes = 64 * 1024;
        private Duration agentSessionTtl = Duration.ofHours(8);
        private int botThreads = 2;

        private Builder() {}

        /** Address to bind; default 127.0.0.1. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** Port to listen on; 0 takes a free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0 to 65535, was " + port);
            }
            this.port = port;
            return this;
        }

        /** The FAQ knowledge base file; default: the sample shop FAQ. */
        public Builder faq(Path faq) {
            this.faq = Objects.requireNonNull(faq, "faq");
            return this;
        }

        /**
         * Directory for stored data: the embedded SQLite database lives here. Without a data
         * directory, a JDBC URL or a store, conversations are kept in memory only.
         */
        public Builder dataDir(Path dataDir) {
            this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
            return this;
        }

        /** PostgreSQL instead of the embedded database: a {@code jdbc:postgresql://} URL and login. */
        public Builder database(String jdbcUrl, String user, String password) {
            Objects.requireNonNull(jdbcUrl, "jdbcUrl");
            if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
                throw new IllegalArgumentException("jdbcUrl must start with jdbc:postgresql:, was " + jdbcUrl);
            }
            this.jdbcUrl = jdbcUrl;
            this.jdbcUser = user;
            this.jdbcPassword = password;
            return this;
        }

        /** A store of your own (it is closed with the server). */
        public Builder store(ConversationStore store) {
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /** Agents who may sign in; default: the demo agent ({@value #DEMO_USERNAME}). */
        public Builder agents(List<AgentAccount> agents) {
            Objects.requireNonNull(agents, "agents");
            if (agents.isEmpty()) {
                throw new IllegalArgumentException("agents must not be empty");
            }
            this.agents = List.copyOf(agents);
            return this;
        }

        /** The clock for timestamps and waits. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Concurrent conversations per agent before the queue holds new ones; default 5. */
        public Builder maxChatsPerAgent(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxChatsPerAgent must be at least 1, was " + max);
            }
            this.maxChatsPerAgent = max;
            return this;
        }

        /** Largest WebSocket message in bytes; default 64 KiB. */
        public Builder maxFrameBytes(int max) {
            if (max < 1024) {
                throw new IllegalArgumentException("maxFrameBytes must be at least 1024, was " + max);
            }
            this.maxFrameBytes = max;
            return this;
        }

        /** How long an agent session token lives without use; default 8 hours. */
        public Builder agentSessionTtl(Duration ttl) {
            if (ttl == null || ttl.isNegative() || ttl.isZero()) {
                throw new IllegalArgumentException("agentSessionTtl must be positive");
            }
            this.agentSessionTtl = ttl;
            return this;
        }

        /** Starts the server; the returned server is listening. */
        public ChatServer start() {
            List<AgentAccount> accounts = agents != null ? agents
                    : new ArrayList<>(List.of(AgentAccount.withPassword("demo", "Dana Demo", DEMO_USERNAME, DEMO_PASSWORD)));
            ServerConfig config = new ServerConfig(host, port, faq, dataDir, jdbcUrl, jdbcUser, jdbcPassword, store,
                    accounts, clock, maxChatsPerAgent,
                    maxFrameBytes, agentSessionTtl, botThreads);
            return NettyChatServer.start(config);
        }
    }
}
