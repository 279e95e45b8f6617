package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.support.LogSafe;
import dev.concierge.server.testing.AgentHttp;
import dev.concierge.server.testing.RawSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Logs carry connection and security events, never tokens, passwords or message bodies. */
final class LogSecurityTest {

    @Test
    void aScenarioWithSignInChatAndAbuse_logsNoTokenPasswordOrMessageText() throws Exception {
        Logger root = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger ours = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger("dev.concierge");
        ch.qos.logback.classic.Level previous = ours.getLevel();
        ours.setLevel(ch.qos.logback.classic.Level.INFO); // whatever the run's configuration says
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.start();
        root.addAppender(captured);
        List<String> secrets = new ArrayList<>();
        try (ChatServer server = ChatServer.builder()
                .port(0)
                .agents(List.of(AgentAccount.withPassword("a1", "Agent One", "one", "pw-secret-one", 1000)))
                .adminToken("admin-secret-token-42")
                .start()) {
            String token = AgentHttp.login(server, "one", "pw-secret-one");
            secrets.addAll(List.of(token, "pw-secret-one", "admin-secret-token-42"));
            AgentHttp.post(server, "/api/agent/login", null, "{\"username\":\"one\",\"password\":\"pw-wrong-guess\"}");
            secrets.add("pw-wrong-guess");
            try (RawSocket agent = AgentHttp.agentSocket(server, token);
                    RawSocket visitor = RawSocket.connect(server, "/ws/visitor")) {
                visitor.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1}");
                String visitorToken =
                        visitor.awaitType("welcome").path("visitorToken").asText();
                if (!visitorToken.isEmpty()) {
                    secrets.add(visitorToken);
                }
                visitor.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"my card is 4111 1111 1111 1111\"}");
                visitor.awaitType("ack");
                secrets.add("4111 1111 1111 1111");
                visitor.send("{\"type\":\"message\",\"id\":\"m2\",\"text\":\"secret-in-bad-json\"");
                visitor.awaitType("error");
                secrets.add("secret-in-bad-json");
                visitor.send("{\"type\":\"message\",\"id\":\"m3\",\"text\":\"ctl-secret\u0001\"}");
                visitor.awaitType("error");
                secrets.add("ctl-secret");
                AgentHttp.post(server, "/api/admin/agents/a1/disable", "admin-guess-000000000", "");
                secrets.add("admin-guess-000000000");
                AgentHttp.post(server, "/api/agent/logout", token, "");
                agent.closedWith.get(5, TimeUnit.SECONDS);
            }
            try (RawSocket forged = RawSocket.connect(server, "/ws/agent")) {
                forged.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1,\"token\":\"st_forged-secret-token\"}");
                forged.closedWith.get(5, TimeUnit.SECONDS);
                secrets.add("st_forged-secret-token");
            }
        } finally {
            root.detachAppender(captured);
            ours.setLevel(previous);
        }
        List<ILoggingEvent> events = new ArrayList<>(captured.list);
        assertThat(events).as("the scenario logged security events").isNotEmpty();
        assertThat(events).anyMatch(e -> e.getFormattedMessage().contains("login failed for user"));
        for (ILoggingEvent e : events) {
            String line = e.getFormattedMessage() + " " + throwableText(e.getThrowableProxy());
            for (String secret : secrets) {
                assertThat(line).as("log line from %s", e.getLoggerName()).doesNotContain(secret);
            }
        }
    }

    @Test
    void aSiteKeyWithLineBreaks_cannotForgeALogLine() throws Exception {
        Logger root = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger ours = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger("dev.concierge");
        ch.qos.logback.classic.Level previous = ours.getLevel();
        ours.setLevel(ch.qos.logback.classic.Level.INFO);
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.start();
        root.addAppender(captured);
        try (ChatServer server = ChatServer.builder().port(0).start();
                RawSocket visitor = RawSocket.connect(server, "/ws/visitor")) {
            // A site that is not configured is refused, and the refusal names the site.
            visitor.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1,\"site\":\"shop\\n2026-01-01 00:00:00 INFO "
                    + "agent admin signed in\\r\",\"identity\":{\"userId\":\"u1\",\"signature\":\"x\"}}");
            visitor.await(f -> f.path("code").asText().equals("unknown_site"));
        } finally {
            root.detachAppender(captured);
            ours.setLevel(previous);
        }
        List<String> lines =
                captured.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        assertThat(lines).anyMatch(l -> l.contains("(site shop\\n2026-01-01 00:00:00 INFO agent admin signed in\\r)"));
        assertThat(lines).allSatisfy(l -> assertThat(l).doesNotContain("\n").doesNotContain("\r"));
    }

    @Test
    void logSafe_escapesControls_andCutsLongValues() {
        assertThat(LogSafe.text("a\nb\rc\td\u0000e\u0085f\u2028g")).isEqualTo("a\\nb\\rc\\td\\u0000e\\u0085f\\u2028g");
        assertThat(LogSafe.text("plain")).isEqualTo("plain");
        assertThat(LogSafe.text(null)).isEqualTo("null");
        assertThat(LogSafe.text("x".repeat(500))).isEqualTo("x".repeat(200) + "…(500 chars)");
    }

    private static String throwableText(IThrowableProxy t) {
        StringBuilder s = new StringBuilder();
        for (; t != null; t = t.getCause()) {
            s.append(t.getClassName()).append(": ").append(t.getMessage()).append(' ');
        }
        return s.toString();
    }
}
