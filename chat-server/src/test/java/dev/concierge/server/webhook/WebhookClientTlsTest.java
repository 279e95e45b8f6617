package dev.concierge.server.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.server.webhook.WebhookTransport.Response;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS: the receiver's certificate must chain to a trusted one AND name the URL's host, although
 * the socket goes to the IP address that was checked. Certificates are made by {@code keytool} for
 * each run: one for {@code localhost}, one for {@code other.example}.
 */
final class WebhookClientTlsTest {
    private static final char[] PASSWORD = "changeit".toCharArray();
    private static final TargetPolicy LOOPBACK = TargetPolicy.parse("loopback", false);

    @TempDir
    static Path dir;

    private static KeyStore localhost;
    private static KeyStore other;
    private static WebhookClient trusting;
    private static WebhookClient systemTrust;

    @BeforeAll
    static void certificates() throws Exception {
        localhost = keyPair("localhost");
        other = keyPair("other.example");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("localhost", certificate(localhost));
        trust.setCertificateEntry("other", certificate(other));
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        WebhookClient.Resolver toLoopback = host -> List.of(InetAddress.getByName("127.0.0.1"));
        trusting = new WebhookClient(
                LOOPBACK,
                toLoopback,
                Duration.ofSeconds(5),
                Duration.ofSeconds(20),
                Optional.of(trustManagers),
                Clock.systemUTC());
        systemTrust = new WebhookClient(
                LOOPBACK,
                toLoopback,
                Duration.ofSeconds(5),
                Duration.ofSeconds(20),
                Optional.empty(),
                Clock.systemUTC());
    }

    @AfterAll
    static void close() {
        trusting.close();
        systemTrust.close();
    }

    @Test
    void aTrustedCertificateForTheUrlsHost_isAccepted() throws Exception {
        try (WebhookReceiver receiver = WebhookReceiver.tls(server(localhost), WebhookReceiver.status(202, "ok"))) {
            Response response = WebhookClientTest.send(trusting, receiver.url("https", "localhost", "/hook"), Map.of());

            assertThat(response.error()).isNull();
            assertThat(response.status()).isEqualTo(202);
            assertThat(response.body()).isEqualTo("ok");
            assertThat(receiver.received()).hasSize(1);
            assertThat(receiver.received().get(0).header("host")).isEqualTo("localhost:" + receiver.port());
            assertThat(new String(receiver.received().get(0).body(), StandardCharsets.UTF_8))
                    .startsWith("{\"id\":\"evt_1\"");
        }
    }

    @Test
    void aTrustedCertificateForAnotherName_isRefused_andNothingIsSent() throws Exception {
        try (WebhookReceiver receiver = WebhookReceiver.tls(server(other), WebhookReceiver.status(200, "ok"))) {
            Response response = WebhookClientTest.send(trusting, receiver.url("https", "localhost", "/hook"), Map.of());

            assertThat(response.status()).isZero();
            assertThat(response.error()).startsWith("tls: ").contains("localhost");
            assertThat(receiver.received()).isEmpty();
        }
    }

    @Test
    void aCertificateNotChainedToATrustedOne_isRefused() throws Exception {
        try (WebhookReceiver receiver = WebhookReceiver.tls(server(localhost), WebhookReceiver.status(200, "ok"))) {
            Response response =
                    WebhookClientTest.send(systemTrust, receiver.url("https", "localhost", "/hook"), Map.of());

            assertThat(response.status()).isZero();
            assertThat(response.error()).startsWith("tls: ");
            assertThat(receiver.received()).isEmpty();
        }
    }

    @Test
    void anIpAddressUrl_needsTheAddressInTheCertificate() throws Exception {
        try (WebhookReceiver receiver = WebhookReceiver.tls(server(localhost), WebhookReceiver.status(200, "ok"))) {
            Response response = WebhookClientTest.send(trusting, receiver.url("https", "127.0.0.1", "/hook"), Map.of());

            assertThat(response.error()).startsWith("tls: ");
            assertThat(receiver.received()).isEmpty();
        }
    }

    /** A fresh EC key pair with a self-signed certificate naming {@code name}, made by keytool. */
    private static KeyStore keyPair(String name) throws Exception {
        Path file = dir.resolve(name + ".p12");
        Process keytool = new ProcessBuilder(
                        "keytool",
                        "-genkeypair",
                        "-alias",
                        "key",
                        "-keyalg",
                        "EC",
                        "-groupname",
                        "secp256r1",
                        "-dname",
                        "CN=" + name,
                        "-ext",
                        "SAN=dns:" + name,
                        "-validity",
                        "2",
                        "-storetype",
                        "PKCS12",
                        "-keystore",
                        file.toString(),
                        "-storepass",
                        new String(PASSWORD),
                        "-keypass",
                        new String(PASSWORD))
                .redirectErrorStream(true)
                .start();
        String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
            throw new IOException("keytool failed: " + output);
        }
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, PASSWORD);
        }
        return store;
    }

    private static Certificate certificate(KeyStore store) throws Exception {
        return store.getCertificate("key");
    }

    private static SSLContext server(KeyStore keys) throws Exception {
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, PASSWORD);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers.getKeyManagers(), null, null);
        return context;
    }
}
