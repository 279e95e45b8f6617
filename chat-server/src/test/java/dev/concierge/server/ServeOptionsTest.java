package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.concierge.bot.Embedder;
import dev.concierge.server.auth.PasswordHasher;
import dev.concierge.server.testing.ChatTurns;
import dev.concierge.server.testing.ServerProcess;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code serve}'s command line: the demo (published passwords, any origin) only on loopback, the
 * admin token never on the command line.
 */
final class ServeOptionsTest {
    /** Names resolve here without DNS; literal addresses parse as usual. */
    private static final ServeOptions.Resolver RESOLVER = host -> switch (host) {
        case "localhost" ->
            new InetAddress[] {InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1}), InetAddress.getByName("::1")};
        case "chat.example.com" ->
            new InetAddress[] {InetAddress.getByAddress(host, new byte[] {(byte) 203, 0, 113, 7})};
        case "split.example.com" ->
            new InetAddress[] {
                InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1}),
                InetAddress.getByAddress(host, new byte[] {10, 0, 0, 5})
            };
        default -> {
            if (!host.matches("[0-9.:]+")) {
                throw new UnknownHostException(host);
            }
            yield InetAddress.getAllByName(host);
        }
    };

    @TempDir
    Path dir;

    private static ServeOptions parse(Map<String, String> env, String... args) {
        return ServeOptions.parse(List.of(args), env::get, RESOLVER);
    }

    private static ServeOptions parse(String... args) {
        return parse(Map.of(), args);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0", "::", "192.168.1.20", "chat.example.com", "split.example.com"})
    void offLoopback_withoutATeamFile_refusesToStart_sayingHowToMakeOne(String host) {
        assertThatThrownBy(() -> parse("--host", host))
                .isInstanceOf(ServeOptions.UsageException.class)
                .hasMessageContaining("--host " + host + " is reachable from other machines")
                .hasMessageContaining("demo-password")
                .hasMessageContaining("hash-password")
                .hasMessageContaining("--agents agents.json")
                .hasMessageContaining("--demo");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0", "::", "192.168.1.20", "chat.example.com"})
    void offLoopback_withATeamButNoOrigins_refusesTheAnyOriginDefault(String host) throws Exception {
        Path agents = teamFile();
        assertThatThrownBy(() -> parse("--host", host, "--agents", agents.toString()))
                .isInstanceOf(ServeOptions.UsageException.class)
                .hasMessageContaining("without --origin");
    }

    @Test
    void semanticMatchingNeedsItsJarOnTheClassPath() {
        // The server's own class path has no embedder: the model ships in its own jar.
        assertThatThrownBy(() -> parse("--semantic"))
                .isInstanceOf(ServeOptions.UsageException.class)
                .hasMessageContaining("--semantic")
                .hasMessageContaining("concierge-semantic.jar");
    }

    @Test
    void semanticMatching_isUsedWhenItsJarIsPresent_unlessLexicalIsAsked() {
        Embedder model = new Embedder() {
            @Override
            public String name() {
                return "test-model";
            }

            @Override
            public boolean supports(String language) {
                return true;
            }

            @Override
            public float[] embed(String text) {
                return new float[] {1};
            }
        };
        AtomicInteger lookups = new AtomicInteger();
        Supplier<Optional<Embedder>> present = () -> {
            lookups.incrementAndGet();
            return Optional.of(model);
        };
        assertThat(ServeOptions.parse(List.of(), name -> null, RESOLVER, present)
                        .notices())
                .anyMatch(n -> n.contains("semantic matching with test-model"));
        assertThat(ServeOptions.parse(List.of("--semantic"), name -> null, RESOLVER, present)
                        .notices())
                .anyMatch(n -> n.contains("semantic matching with test-model"));
        lookups.set(0);
        assertThat(ServeOptions.parse(List.of("--lexical"), name -> null, RESOLVER, present)
                        .notices())
                .noneMatch(n -> n.contains("semantic"));
        assertThat(lookups).as("the model is not even loaded").hasValue(0);
        assertThat(ServeOptions.parse(List.of(), name -> null, RESOLVER, Optional::empty)
                        .notices())
                .noneMatch(n -> n.contains("semantic"));
        assertThatThrownBy(
                        () -> ServeOptions.parse(List.of("--semantic", "--lexical"), name -> null, RESOLVER, present))
                .isInstanceOf(ServeOptions.UsageException.class)
                .hasMessageContaining("exclude each other");
    }

    @Test
    void offLoopback_withATeamAndOrigins_starts_withTheOriginCheckOn() throws Exception {
        ServeOptions o =
                parse("--host", "0.0.0.0", "--agents", teamFile().toString(), "--origin", "https://shop.example.com");
        assertThat(o.demoTeam()).isFalse();
        assertThat(o.notices()).noneMatch(n -> n.contains("OFF"));
    }

    @Test
    void offLoopback_withSitesThatListTheirOrigins_needsNoOriginFlag() throws Exception {
        Path sites = dir.resolve("sites.json");
        Files.writeString(sites, "{\"sites\": {\"shop\": {\"allowedOrigins\": [\"https://shop.example.com\"]}}}");
        ServeOptions o =
                parse("--host", "192.168.1.20", "--agents", teamFile().toString(), "--sites", sites.toString());
        assertThat(o.notices()).anyMatch(n -> n.contains("only the sites' allowedOrigins"));
    }

    @Test
    void demoFlag_allowsTheDemoOffLoopback_withAWarning() {
        ServeOptions o = parse("--host", "0.0.0.0", "--demo");
        assertThat(o.demoTeam()).isTrue();
        assertThat(o.notices()).anyMatch(n -> n.contains("--demo on 0.0.0.0"));
        assertThat(o.notices()).anyMatch(n -> n.contains("Origin check is OFF"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "::1", "localhost", "127.0.0.2"})
    void loopback_keepsTheZeroConfigDemo(String host) {
        ServeOptions o = parse("--host", host);
        assertThat(o.demoTeam()).isTrue();
        assertThat(o.notices()).anyMatch(n -> n.contains("Origin check is OFF"));
        assertThat(parse().demoTeam()).isTrue(); // no --host: 127.0.0.1
    }

    @Test
    void smtpAndMailFrom_turnOnTheMailTogether_withCredentialsFromTheEnvironment_offByDefault() {
        ServeOptions o = parse(
                Map.of("CONCIERGE_SMTP_USER", "relay-user", "CONCIERGE_SMTP_PASSWORD", "relay-password"),
                "--smtp",
                "smtp://127.0.0.1:2525",
                "--mail-from",
                "Northwind help <help@northwind.example>");
        assertThat(o.notices()).contains("Email follow-up on, sent through smtp://127.0.0.1:2525 (docs/email.md)");
        o.configure(ChatServer.builder());
        assertThat(parse().notices()).noneMatch(n -> n.contains("by email"));
        assertThatThrownBy(() -> parse("--smtp", "smtp://127.0.0.1:2525"))
                .isInstanceOf(ServeOptions.UsageException.class)
                .hasMessageContaining("go together");
        assertThatThrownBy(() -> parse("--mail-from", "help@northwind.example"))
                .isInstanceOf(ServeOptions.UsageException.class)
                .hasMessageContaining("go together");
        assertThatThrownBy(() -> parse("--smtp", "http://mail.example:25", "--mail-from", "help@northwind.example"))
                .isInstanceOf(ServeOptions.UsageException.class)
                .hasMessageStartingWith("--smtp/--mail-from: smtp must be");
        assertThatThrownBy(() -> parse("--smtp", "smtp://mail.example:587", "--mail-from", "a@b.example, c@d.example"))
                .isInstanceOf(ServeOptions.UsageException.class)
                .hasMessageStartingWith("--smtp/--mail-from: from must be one address");
    }

    @Test
    void mailPolicyFlags_takeSecondsAndCounts_andABadValueIsRefusedNamingTheFlag() {
        ServeOptions o = parse(
                "--mail-reply-delay", "2",
                "--mail-alert-after", "600",
                "--mail-transcripts-per-visitor", "5",
                "--mail-per-address", "20",
                "--mail-per-site", "0");
        o.configure(ChatServer.builder());
        assertThatThrownBy(() -> parse("--mail-per-address", "-1"))
                .isInstanceOf(ServeOptions.UsageException.class)
                .hasMessage("--mail-per-address must be a number from 0, was -1");
        assertThatThrownBy(() -> parse("--mail-alert-after", "0"))
                .isInstanceOf(ServeOptions.UsageException.class)
                .hasMessage("--mail-alert-after must be a positive number, was 0");
        assertThatThrownBy(() -> parse("--mail-reply-delay", "soon"))
                .isInstanceOf(ServeOptions.UsageException.class)
                .hasMessage("--mail-reply-delay must be a number from 0, was soon");
    }

    @Test
    void imap_readsRepliesWithTheMail_secretAndCredentialsFromTheEnvironment_badValuesNamed() {
        String[] mail = {"--smtp", "smtp://127.0.0.1:2525", "--mail-from", "Northwind help <help@northwind.example>"};
        Map<String, String> env = Map.of(
                "CONCIERGE_IMAP_USER", "replies",
                "CONCIERGE_IMAP_PASSWORD", "mailbox-password",
                "CONCIERGE_MAIL_REPLY_SECRET", "0123456789abcdef0123456789abcdef");
        ServeOptions o =
                parse(env, concat(mail, "--imap", "imaps://imap.northwind.example:993/INBOX", "--imap-poll", "60"));
        assertThat(o.notices())
                .contains("Replies by email are read from imaps://imap.northwind.example:993/INBOX (docs/email.md)");
        o.configure(ChatServer.builder());
        assertThat(parse(env, mail).notices()).noneMatch(n -> n.contains("Replies by email"));
        assertThatThrownBy(() -> parse(env, "--imap", "imaps://imap.northwind.example:993/INBOX"))
                .isInstanceOf(ServeOptions.UsageException.class)
                .hasMessageContaining("--smtp");
        assertThatThrownBy(() -> parse(Map.of(), concat(mail, "--imap", "imaps://imap.northwind.example:993/INBOX")))
                .isInstanceOf(ServeOptions.UsageException.class)
                .hasMessageContaining("CONCIERGE_MAIL_REPLY_SECRET");
        assertThatThrownBy(() -> parse(
                        Map.of("CONCIERGE_MAIL_REPLY_SECRET", "too short"),
                        concat(mail, "--imap", "imaps://imap.northwind.example:993/INBOX")))
                .isInstanceOf(ServeOptions.UsageException.class)
                .hasMessageStartingWith("--imap: secret must be at least 32");
        assertThatThrownBy(() -> parse(env, concat(mail, "--imap", "imap://imap.northwind.example:143/INBOX")))
                .isInstanceOf(ServeOptions.UsageException.class)
                .hasMessageContaining("loopback");
        assertThatThrownBy(() -> parse(env, concat(mail, "--imap-poll", "30")))
                .isInstanceOf(ServeOptions.UsageException.class)
                .hasMessageContaining("go with --imap");
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void unresolvableHost_isAClearError() {
        assertThatThrownBy(() -> parse("--host", "no-such-host.invalid"))
                .isInstanceOf(ServeOptions.UsageException.class)
                .hasMessage("--host: cannot resolve no-such-host.invalid");
    }

    @Test
    void adminToken_comesFromAFileOrTheEnvironment_neverFromTheCommandLine() throws Exception {
        Path file = dir.resolve("admin-token");
        Files.writeString(file, "file-token-0123456789abcdef\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertThat(parse("--admin-token-file", file.toString()).notices())
                .contains("Admin API is on (/api/admin/..., docs/agents.md)");
        assertThat(parse(Map.of("CONCIERGE_ADMIN_TOKEN", "env-token-0123456789abcdef"))
                        .notices())
                .contains("Admin API is on (/api/admin/..., docs/agents.md)");
        assertThat(parse().notices()).noneMatch(n -> n.contains("Admin API"));
        assertThatThrownBy(() -> parse(
                        Map.of("CONCIERGE_ADMIN_TOKEN", "env-token-0123456789abcdef"),
                        "--admin-token-file",
                        file.toString()))
                .hasMessageContaining("given twice");
        assertThatThrownBy(() -> parse("--admin-token", "cli-token-0123456789abcdef"))
                .hasMessage("unknown option for serve: --admin-token");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThat(parse("--admin-token-file", file.toString()).notices()).anyMatch(n -> n.contains("chmod 600"));
    }

    @Test
    void tooShortAdminToken_isRefused_namingTheOption() throws Exception {
        Path file = dir.resolve("short");
        Files.writeString(file, "short");
        ServeOptions o = parse("--admin-token-file", file.toString());
        assertThatThrownBy(() -> o.configure(ChatServer.builder()))
                .isInstanceOf(ServeOptions.UsageException.class)
                .hasMessageContaining("adminToken must be at least 16 characters");
    }

    @Test
    void badNumbers_areClearErrors() {
        assertThatThrownBy(() -> parse("--max-connections", "0"))
                .hasMessage("--max-connections must be a positive number, was 0");
        assertThatThrownBy(() -> parse("--port", "x")).hasMessage("--port must be a number from 0, was x");
        assertThatThrownBy(() -> parse("--port")).hasMessage("--port needs a value");
    }

    @Test
    void loginThrottle_takesFourNumbers_andABadValueIsAClearError() {
        parse("--login-throttle", "3,10,10,3600").configure(ChatServer.builder());
        assertThatThrownBy(() -> parse("--login-throttle", "3,10,10"))
                .hasMessage("--login-throttle must be PER_USER_AND_ADDRESS,PER_ADDRESS,PER_USER,REFILL_SECONDS,"
                        + " was 3,10,10");
        assertThatThrownBy(() -> parse("--login-throttle", "0,10,10,60"))
                .hasMessage("--login-throttle must be a positive number, was 0");
    }

    @Test
    void trustedProxy_isRepeatable_andABadOneIsAClearError() {
        ServeOptions o =
                parse("--trusted-proxy", "127.0.0.1/32", "--trusted-proxy", "10.0.0.0/8", "--trusted-proxy", "::1");
        assertThat(o.notices())
                .anyMatch(n -> n.contains("127.0.0.1/32, 10.0.0.0/8, ::1") && n.contains("PROXY protocol"));
        o.configure(ChatServer.builder());
        assertThatThrownBy(() -> parse("--trusted-proxy", "lb.example.com"))
                .isInstanceOf(ServeOptions.UsageException.class)
                .hasMessage("--trusted-proxy entries must be an IP address or a CIDR block"
                        + " (127.0.0.1, 10.0.0.0/8, ::1), was lb.example.com");
        assertThatThrownBy(() -> parse("--trusted-proxy", "10.0.0.0/40"))
                .isInstanceOf(ServeOptions.UsageException.class)
                .hasMessageContaining("--trusted-proxy entry 10.0.0.0/40")
                .hasMessageContaining("0 to 32");
        assertThat(parse().notices()).noneMatch(n -> n.contains("PROXY protocol"));
    }

    /** The real launcher on 0.0.0.0 without a team file: exits 2 before listening, saying why. */
    @Test
    void serveOnAllAddresses_withoutATeamFile_exitsWithTheReason() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "dev.concierge.server.Main",
                "serve",
                "--host",
                "0.0.0.0",
                "--port",
                "0",
                "--data",
                dir.resolve("data").toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output;
        try (BufferedReader in =
                new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            output = in.lines().collect(Collectors.joining("\n"));
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(output)
                .contains("--host 0.0.0.0 is reachable from other machines")
                .doesNotContain("is running");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "1", "1.5", "-0.2", "ninety", "NaN"})
    void botPrecision_isANumberBetweenZeroAndOne(String value) {
        assertThatThrownBy(() -> parse("--bot-precision", value))
                .isInstanceOf(ServeOptions.UsageException.class)
                .hasMessageContaining("--bot-precision must be a number between 0 and 1");
    }

    /**
     * {@code serve --bot-precision}: a higher precision raises the threshold calibrated on the
     * sample FAQ, so an everyday question the default answers gets "not sure" with its entry as
     * the first suggestion (confidence 0.75 against thresholds 0.57 and 0.89).
     */
    @Test
    void serveWithAHigherBotPrecision_offersWhatTheDefaultAnswers() throws Exception {
        String question = "what ways can i pay";
        try (ServerProcess server = ServerProcess.start(dir.resolve("default"), 0);
                ChatTurns visitor = ChatTurns.open(server.baseUri())) {
            JsonNode bot = visitor.ask(question).path("bot");
            assertThat(bot.path("answered").asBoolean()).isTrue();
            assertThat(bot.path("entryId").asText()).isEqualTo("payment-methods");
        }
        try (ServerProcess server = ServerProcess.start(dir.resolve("careful"), 0, "--bot-precision", "0.95");
                ChatTurns visitor = ChatTurns.open(server.baseUri())) {
            JsonNode bot = visitor.ask(question).path("bot");
            assertThat(bot.path("answered").asBoolean()).isFalse();
            assertThat(bot.path("suggestions").path(0).path("entryId").asText()).isEqualTo("payment-methods");
        }
    }

    /** {@code serve --admin-token-file}: the admin API is on and can disable an agent. */
    @Test
    void serveWithAnAdminTokenFile_canDisableAnAgent() throws Exception {
        Path token = dir.resolve("admin-token");
        Files.writeString(token, "serve-admin-token-0123456789\n");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        try (ServerProcess server =
                ServerProcess.start(dir.resolve("data"), 0, "--admin-token-file", token.toString())) {
            HttpClient http = HttpClient.newHttpClient();
            URI disable = server.baseUri().resolve("/api/admin/agents/sam/disable");
            HttpResponse<String> wrong = http.send(
                    HttpRequest.newBuilder(disable)
                            .POST(HttpRequest.BodyPublishers.noBody())
                            .header("Authorization", "Bearer not-the-token-000000")
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(wrong.statusCode()).isEqualTo(401);
            HttpResponse<String> ok = http.send(
                    HttpRequest.newBuilder(disable)
                            .POST(HttpRequest.BodyPublishers.noBody())
                            .header("Authorization", "Bearer serve-admin-token-0123456789")
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).contains("\"disabled\"");
            HttpResponse<String> login = http.send(
                    HttpRequest.newBuilder(server.baseUri().resolve("/api/agent/login"))
                            .POST(HttpRequest.BodyPublishers.ofString(
                                    "{\"username\":\"sam\",\"password\":\"sam-password\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(login.statusCode()).isEqualTo(401);
        }
    }

    /** One help text: Main.usage names every option serve takes; the launcher prints it, holding no copy. */
    @Test
    void helpText_namesEveryServeOption_andTheLauncherHasNoCopyOfIt() throws Exception {
        String source = Files.readString(Path.of("src/main/java/dev/concierge/server/ServeOptions.java"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("case \"(--[a-z-]+)\"|equals\\(\"(--[a-z-]+)\"\\)")
                .matcher(source);
        List<String> flags = new ArrayList<>();
        while (m.find()) {
            flags.add(m.group(1) != null ? m.group(1) : m.group(2));
        }
        assertThat(flags).contains("--port", "--demo", "--admin-token-file", "--max-connections");
        String usage = Main.usage();
        for (String flag : flags) {
            assertThat(usage)
                    .as("help names " + flag)
                    .containsPattern(java.util.regex.Pattern.quote("[" + flag) + "[ \\]]");
        }
        String launcher = Files.readString(Path.of("..", "concierge"));
        assertThat(launcher)
                .contains("java -jar \"$JAR\" help")
                .doesNotContain("--max-chats")
                .doesNotContain("--rate-limit");
    }

    private Path teamFile() throws Exception {
        Path file = dir.resolve("agents.json");
        Files.writeString(
                file,
                "{\"agents\": [{\"id\": \"dana\", \"name\": \"Dana\", \"username\": \"dana\", " + "\"passwordHash\": \""
                        + PasswordHasher.hash("dana-password", 1000) + "\"}]}");
        return file;
    }
}
