package dev.concierge.server.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.server.webhook.WebhookTransport.Response;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Server-side request forgery: the client reaches a receiver on 127.0.0.1 only when loopback is
 * allowed, whatever the name resolves to, and never through a second, different DNS answer.
 */
final class WebhookClientTargetTest {
    private static final TargetPolicy HTTP_ONLY = TargetPolicy.of(List.of(), true);

    private WebhookReceiver receiver;
    private final List<WebhookClient> clients = new ArrayList<>();

    @BeforeEach
    void receiver() throws IOException {
        receiver = WebhookReceiver.plain(WebhookReceiver.status(200, "reached"));
    }

    @AfterEach
    void close() throws IOException {
        clients.forEach(WebhookClient::close);
        receiver.close();
    }

    private WebhookClient client(TargetPolicy policy, WebhookClient.Resolver resolver) {
        WebhookClient client = new WebhookClient(
                policy, resolver, Duration.ofMillis(500), Duration.ofSeconds(10), Optional.empty(), Clock.systemUTC());
        clients.add(client);
        return client;
    }

    private static WebhookClient.Resolver answering(String... addresses) {
        return host -> {
            List<InetAddress> answer = new ArrayList<>();
            for (String address : addresses) {
                answer.add(InetAddress.getByName(address));
            }
            return answer;
        };
    }

    @Test
    void loopback_isRefusedUnlessAllowed_asALiteralOrAName() throws Exception {
        WebhookClient.Resolver toLoopback = answering("127.0.0.1");
        WebhookClient refusing = client(HTTP_ONLY, toLoopback);
        WebhookClient allowing = client(TargetPolicy.parse("loopback", true), toLoopback);

        Response literal = WebhookClientTest.send(refusing, receiver.url("http", "127.0.0.1", "/"), Map.of());
        Response named = WebhookClientTest.send(refusing, receiver.url("http", "hooks.test", "/"), Map.of());

        assertThat(literal.status()).isZero();
        assertThat(literal.error()).isEqualTo("refused: 127.0.0.1 is loopback");
        assertThat(named.error()).isEqualTo("refused: 127.0.0.1 is loopback");
        assertThat(named.address()).isNull();
        assertThat(receiver.accepts()).isZero();

        Response allowed = WebhookClientTest.send(allowing, receiver.url("http", "hooks.test", "/"), Map.of());

        assertThat(allowed.delivered()).isTrue();
        assertThat(receiver.accepts()).isEqualTo(1);
    }

    @Test
    void aNameThatResolvesToAnyRefusedAddress_isRefused_evenNextToAllowedOnes() throws Exception {
        WebhookClient publicThenLoopback = client(HTTP_ONLY, answering("203.0.113.7", "127.0.0.1"));
        WebhookClient loopbackThenPrivate =
                client(TargetPolicy.parse("loopback", true), answering("127.0.0.1", "10.0.0.7"));
        WebhookClient loopbackThenMetadata =
                client(TargetPolicy.parse("loopback,private", true), answering("127.0.0.1", "169.254.169.254"));

        Response one = WebhookClientTest.send(publicThenLoopback, receiver.url("http", "mixed.test", "/"), Map.of());
        Response two = WebhookClientTest.send(loopbackThenPrivate, receiver.url("http", "mixed.test", "/"), Map.of());
        Response three =
                WebhookClientTest.send(loopbackThenMetadata, receiver.url("http", "mixed.test", "/"), Map.of());

        assertThat(one.error()).isEqualTo("refused: 127.0.0.1 is loopback");
        assertThat(two.error()).isEqualTo("refused: 10.0.0.7 is private");
        assertThat(three.error()).isEqualTo("refused: 169.254.169.254 is link-local");
        assertThat(receiver.accepts()).isZero();
    }

    @Test
    void dnsRebinding_cannotReachLoopback_theCheckedAddressIsTheOneConnectedTo() throws Exception {
        AtomicInteger lookups = new AtomicInteger();
        WebhookClient client = client(
                HTTP_ONLY,
                host -> List.of(InetAddress.getByName(lookups.incrementAndGet() == 1 ? "203.0.113.7" : "127.0.0.1")));

        Response response = WebhookClientTest.send(client, receiver.url("http", "rebind.test", "/"), Map.of());

        assertThat(lookups).hasValue(1);
        assertThat(response.status()).isZero();
        assertThat(response.address()).isEqualTo("203.0.113.7:" + receiver.port());
        assertThat(response.error()).startsWith("connect");
        assertThat(receiver.accepts()).isZero();
    }

    @Test
    void aUrlThePolicyRefuses_isNeitherResolvedNorConnected() throws Exception {
        AtomicInteger lookups = new AtomicInteger();
        WebhookClient httpsOnly = client(TargetPolicy.parse("loopback", false), host -> {
            lookups.incrementAndGet();
            return List.of(InetAddress.getLoopbackAddress());
        });

        Response plain = WebhookClientTest.send(httpsOnly, receiver.url("http", "hooks.test", "/"), Map.of());
        Response credentials =
                WebhookClientTest.send(httpsOnly, "https://user:pw@hooks.test:" + receiver.port() + "/", Map.of());

        assertThat(plain.error()).isEqualTo("refused: plain http is not allowed, only https");
        assertThat(credentials.error()).isEqualTo("refused: the URL carries user info");
        assertThat(lookups).hasValue(0);
        assertThat(receiver.accepts()).isZero();
    }

    @Test
    void anIpv6LiteralIsJudgedWithItsEmbeddedIpv4() throws Exception {
        WebhookClient client = client(HTTP_ONLY, answering());

        Response mapped =
                WebhookClientTest.send(client, "http://[::ffff:127.0.0.1]:" + receiver.port() + "/", Map.of());
        Response nat64 = WebhookClientTest.send(client, "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/", Map.of());

        assertThat(mapped.error()).isEqualTo("refused: 127.0.0.1 is loopback");
        assertThat(nat64.error()).isEqualTo("refused: 64:ff9b::a9fe:a9fe is link-local (IPv4 169.254.169.254 inside)");
        assertThat(receiver.accepts()).isZero();
    }
}
