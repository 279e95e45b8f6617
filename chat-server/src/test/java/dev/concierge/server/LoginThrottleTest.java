package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.auth.AgentAuth;
import dev.concierge.server.auth.PasswordHasher;
import dev.concierge.server.testing.AgentHttp;
import dev.concierge.server.testing.RawHttp;
import dev.concierge.server.testing.RawSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Sign-in attempts are throttled per username and address, per address and per username (429
 * with Retry-After), without ever locking the real agent out; an unknown username costs the same
 * password work as a known one; every failure is logged with the client's address.
 */
final class LoginThrottleTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final List<AgentAccount> AGENTS =
            List.of(AgentAccount.withPassword("a1", "Agent One", "one", "pw-one", 1000));

    /** Time for the throttle (and session idle expiry): moves only when a test moves it. */
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    private ChatServer start() {
        return ChatServer.builder().port(0).agents(AGENTS).ticker(nanos::get).start();
    }

    @Test
    void wrongPasswords_areThrottledPerUserAndAddress_withRetryAfter_whileTheAgentStillSignsInElsewhere()
            throws Exception {
        try (ChatServer server = start()) {
            String session = AgentHttp.login(server, "one", "pw-one");
            try (RawSocket console = AgentHttp.agentSocket(server, session)) {
                for (int i = 0; i < 5; i++) {
                    assertThat(RawHttp.login(server, "127.0.0.2", "one", "guess-" + i)
                                    .status())
                            .isEqualTo(401);
                }
                RawHttp.Response held = RawHttp.login(server, "127.0.0.2", "one", "pw-one");
                assertThat(held.status())
                        .as("even the right password, from the guessing address")
                        .isEqualTo(429);
                assertThat(held.header("Retry-After")).isEqualTo("60");
                assertThat(held.body()).contains("\"error\":\"too_many_attempts\"");

                assertThat(RawHttp.login(server, "127.0.0.3", "one", "pw-one").status())
                        .as("the right password from another address")
                        .isEqualTo(200);
                assertThat(search(server, session).statusCode())
                        .as("an existing session")
                        .isEqualTo(200);
                console.send("{\"type\":\"presence\",\"id\":\"p1\",\"status\":\"away\"}");
                assertThat(console.await(f -> f.path("ref").asText().equals("p1"))
                                .path("code")
                                .asText())
                        .isNotEqualTo("unauthorized");
                assertThat(console.closedWith).isNotDone();

                nanos.addAndGet(TimeUnit.SECONDS.toNanos(60)); // one attempt comes back a minute later
                assertThat(RawHttp.login(server, "127.0.0.2", "one", "guess-5").status())
                        .isEqualTo(401);
                assertThat(RawHttp.login(server, "127.0.0.2", "one", "guess-6").status())
                        .isEqualTo(429);
            }
        }
    }

    @Test
    void oneAddressSprayingUsernames_isThrottled_alikeForKnownAndUnknownNames() throws Exception {
        try (ChatServer server = start()) {
            for (int i = 0; i < 20; i++) {
                assertThat(RawHttp.login(server, "127.0.0.4", "user-" + i, "guess")
                                .status())
                        .isEqualTo(401);
            }
            RawHttp.Response known = RawHttp.login(server, "127.0.0.4", "one", "pw-one");
            RawHttp.Response unknown = RawHttp.login(server, "127.0.0.4", "nobody", "guess");
            assertThat(known.status()).isEqualTo(429);
            assertThat(unknown.status()).isEqualTo(429);
            assertThat(known.header("Retry-After"))
                    .isEqualTo(unknown.header("Retry-After"))
                    .isEqualTo("60");
            assertThat(RawHttp.login(server, "127.0.0.5", "one", "pw-one").status())
                    .isEqualTo(200);
        }
    }

    @Test
    void manyAddressesGuessingOneAccount_holdBackTheAddressesThatFailed_notACleanOne() throws Exception {
        try (ChatServer server = start()) {
            for (int address = 10; address < 15; address++) { // 5 addresses x 4 failures: the account's 20
                for (int i = 0; i < 4; i++) {
                    assertThat(RawHttp.login(server, "127.0.0." + address, "one", "guess-" + i)
                                    .status())
                            .isEqualTo(401);
                }
            }
            assertThat(RawHttp.login(server, "127.0.0.10", "one", "pw-one").status())
                    .as("an address that failed on the account, once it is under attack")
                    .isEqualTo(429);
            assertThat(RawHttp.login(server, "127.0.0.15", "one", "guess").status())
                    .as("a new address gets its first attempt")
                    .isEqualTo(401);
            assertThat(RawHttp.login(server, "127.0.0.15", "one", "guess-again").status())
                    .isEqualTo(429);
            assertThat(RawHttp.login(server, "127.0.0.16", "one", "pw-one").status())
                    .as("the agent, from an address without failures")
                    .isEqualTo(200);
        }
    }

    @Test
    void anUnknownUsername_costsAsManyPasswordRoundsAsAKnownOne() throws Exception {
        List<Integer> rounds = new CopyOnWriteArrayList<>();
        // The demo agents' hashes have the default 210,000 rounds; count the rounds each check costs.
        try (ChatServer server = ChatServer.builder()
                .port(0)
                .ticker(nanos::get)
                .passwordCheck((password, hash) -> {
                    rounds.add(PasswordHasher.iterations(hash).orElseThrow());
                    return false;
                })
                .start()) {
            assertThat(RawHttp.login(server, "127.0.0.7", ChatServer.Builder.DEMO_USERNAME, "guess")
                            .status())
                    .isEqualTo(401);
            assertThat(RawHttp.login(server, "127.0.0.7", "no-such-agent", "guess")
                            .status())
                    .isEqualTo(401);
        }
        assertThat(rounds).containsExactly(PasswordHasher.DEFAULT_ITERATIONS, PasswordHasher.DEFAULT_ITERATIONS);
        String unmatchable = PasswordHasher.unmatchable(1000);
        assertThat(PasswordHasher.verify("", unmatchable)).isFalse();
        assertThat(PasswordHasher.verify("not-a-password", unmatchable)).isFalse();
    }

    @Test
    void aFailedSignIn_logsTheEscapedUsername_andTheClientAddress() throws Exception {
        Logger logger = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(AgentAuth.class.getName());
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.start();
        logger.addAppender(captured);
        try (ChatServer server = start()) {
            // JSON escapes: CR, LF, BEL and quotes in the username, as a log forger would send them.
            assertThat(RawHttp.login(server, "127.0.0.6", "evil\\r\\n\\u0007forged \\\"x\\\" \\\\", "pw-guess")
                            .status())
                    .isEqualTo(401);
        } finally {
            logger.detachAppender(captured);
        }
        assertThat(captured.list)
                .extracting(ILoggingEvent::getFormattedMessage)
                .contains("login failed for user \"evil\\u000d\\u000a\\u0007forged \\\"x\\\" \\\\\" from 127.0.0.6")
                .noneMatch(line -> line.contains("\n") || line.contains("\r") || line.contains("pw-guess"));
    }

    private static HttpResponse<String> search(ChatServer server, String token) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/conversations?q=x"))
                        .timeout(Duration.ofSeconds(10))
                        .header("Authorization", "Bearer " + token)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
