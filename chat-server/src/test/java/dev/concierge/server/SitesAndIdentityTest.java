package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.protocol.Values.Identity;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sites file, {@code GET /api/sites/{key}} and identity verification, over real sockets. */
final class SitesAndIdentityTest {
    private static final String SECRET = "s3cr3t-of-the-shop-at-least-32-characters";
    private static final String SITES = """
            {"sites": {
              "shop": {"title": "Shop help", "greeting": "Hi <b>there</b>", "colors": {"brand": "#0f766e"},
                       "position": "left", "language": "fr", "department": "orders",
                       "preChat": {"fields": ["name", "email"], "required": ["email"]},
                       "allowedOrigins": ["https://shop.example.com"], "identitySecret": "%s"},
              "blog": {}
            }}""".formatted(SECRET);

    @Test
    void sitesFile_readsEverySetting_andNamesTheBadField() throws Exception {
        Path file = write(SITES);
        Map<String, Site> sites = SitesFile.read(file, name -> null);
        Site shop = sites.get("shop");
        assertThat(shop.position()).isEqualTo("left");
        assertThat(shop.department()).contains("orders");
        assertThat(shop.preChatRequired()).containsExactly("email");
        assertThat(shop.identitySecret()).contains(SECRET);
        assertThat(shop.toString()).doesNotContain(SECRET);
        assertThat(sites.get("blog").preChatFields()).isEmpty();

        assertThatThrownBy(() -> SitesFile.read(write("{\"sites\":{\"x\":{\"colors\":{\"brand\":\"red\"}}}}"), n -> null))
                .hasMessageContaining("sites.x.colors.brand");
        assertThatThrownBy(() -> SitesFile.read(write("{\"sites\":{\"x\":{\"identitySecret\":\"short\"}}}"), n -> null))
                .hasMessageContaining("sites.x.identitySecret: at least 32");
        assertThatThrownBy(() -> SitesFile.read(write("{\"sites\":{\"x\":{\"greting\":\"typo\"}}}"), n -> null))
                .hasMessageContaining("sites.x.greting: unknown field");
        assertThatThrownBy(() -> SitesFile.read(write("{\"sites\":{\"x\":{\"preChat\":{\"fields\":[\"phone\"]}}}}"), n -> null))
                .hasMessageContaining("preChat.fields");
        Site fromEnv = SitesFile.read(write("{\"sites\":{\"x\":{\"identitySecretEnv\":\"SHOP_SECRET\"}}}"),
                n -> n.equals("SHOP_SECRET") ? SECRET : null).get("x");
        assertThat(fromEnv.identitySecret()).contains(SECRET);
    }

    @Test
    void verifier_acceptsOnlyTheRightSignatureOrAnUnexpiredToken() {
        Site shop = SitesFile.read(write(SITES), n -> null).get("shop");
        Instant now = Instant.parse("2026-11-23T10:00:00Z");
        String good = IdentityVerifier.signature(SECRET, "u-1001");
        assertThat(IdentityVerifier.verify(shop, identity("u-1001", good, null), now)).contains("u-1001");
        assertThat(IdentityVerifier.verify(shop, identity("u-1001", good.toUpperCase(), null), now)).contains("u-1001");
        assertThat(IdentityVerifier.verify(shop, identity("u-1002", good, null), now)).isEmpty();
        assertThat(IdentityVerifier.verify(shop, identity("u-1001", IdentityVerifier.signature("another-secret-of-32-characters!!", "u-1001"), null), now)).isEmpty();
        assertThat(IdentityVerifier.verify(shop, identity("u-1001", "nothex", null), now)).isEmpty();
        String token = IdentityVerifier.token(SECRET, "u.1001@example", now.plusSeconds(3600));
        assertThat(IdentityVerifier.verify(shop, identity("u.1001@example", null, token), now)).contains("u.1001@example");
        assertThat(IdentityVerifier.verify(shop, identity("u.1001@example", null, token), now.plusSeconds(3600))).isEmpty();
        assertThat(IdentityVerifier.verify(shop, identity("someone-else", null, token), now)).isEmpty();
        String tampered = token.replace("." + (now.getEpochSecond() + 3600) + ".", "." + (now.getEpochSecond() + 99_999) + ".");
        assertThat(IdentityVerifier.verify(shop, identity("u.1001@example", null, tampered), now)).isEmpty();
        Site blog = SitesFile.read(write(SITES), n -> null).get("blog");
        assertThat(IdentityVerifier.verify(blog, identity("u-1001", good, null), now)).as("no secret, no verification").isEmpty();
    }

    @Test
    void siteSettings_arePublic_withoutSecretOrOrigins() throws Exception {
        try (ChatServer server = start(Files.createTempDirectory("concierge-sites"))) {
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> shop = http.send(HttpRequest.newBuilder(server.baseUri().resolve("/api/sites/shop")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(shop.statusCode()).isEqualTo(200);
            assertThat(shop.headers().firstValue("access-control-allow-origin")).contains("*");
            JsonNode body = new ObjectMapper().readTree(shop.body());
            assertThat(body.path("greeting").asText()).isEqualTo("Hi <b>there</b>");
            assertThat(body.path("colors").path("brand").asText()).isEqualTo("#0f766e");
            assertThat(body.path("preChat").path("fields").toString()).isEqualTo("[\"name\",\"email\"]");
            assertThat(shop.body()).doesNotContain(SECRET).doesNotContain("shop.example.com").doesNotContain("identitySecret");
            HttpResponse<String> missing = http.send(HttpRequest.newBuilder(server.baseUri().resolve("/api/sites/nope")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(missing.statusCode()).isEqualTo(404);
        }
    }

    @Test
    void verifiedIdentity_linksEveryDevice_forgedOneIsRejectedAndStaysAnonymous() throws Exception {
        Path data = Files.createTempDirectory("concierge-identity");
        String signature = IdentityVerifier.signature(SECRET, "u-1001");
        String first;
        String laptopToken;
        try (ChatServer server = start(data); RawSocket laptop = RawSocket.connect(server, "/ws/visitor")) {
            laptop.send(hello("h1", null, "u-1001", "\"signature\":\"" + signature + "\""));
            JsonNode welcome = laptop.awaitType("welcome");
            laptopToken = welcome.path("visitorToken").asText();
            laptop.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"Can I change my address?\"}");
            first = laptop.awaitType("ack").path("conversationId").asText();
            laptop.send("{\"type\":\"close\",\"id\":\"x1\",\"conversationId\":\"" + first + "\",\"reason\":\"done\"}");
            laptop.await(f -> "x1".equals(f.path("ref").asText()));

            // A forged signature: identity_rejected, and nothing of u-1001's shows.
            try (RawSocket forged = RawSocket.connect(server, "/ws/visitor")) {
                forged.send(hello("h2", null, "u-1001", "\"signature\":\"" + "0".repeat(64) + "\""));
                JsonNode anon = forged.awaitType("welcome");
                JsonNode error = forged.awaitType("error");
                assertThat(error.path("code").asText()).isEqualTo("identity_rejected");
                assertThat(anon.path("visitorId").asText()).isNotEqualTo(welcome.path("visitorId").asText());
                assertThat(anon.path("earlierConversations")).isEmpty();
            }
        }
        // Another device after a restart, with an expiring token: the same user, their history.
        try (ChatServer server = start(data); RawSocket phone = RawSocket.connect(server, "/ws/visitor")) {
            String token = IdentityVerifier.token(SECRET, "u-1001", Instant.now().plusSeconds(600));
            phone.send(hello("h3", null, "u-1001", "\"token\":\"" + token + "\""));
            JsonNode welcome = phone.awaitType("welcome");
            assertThat(welcome.path("earlierConversations").get(0).path("conversationId").asText()).isEqualTo(first);
            assertThat(welcome.path("visitorToken").asText()).isNotEmpty();
            phone.send("{\"type\":\"history\",\"id\":\"q\",\"conversationId\":\"" + first + "\",\"afterSeq\":0}");
            JsonNode old = phone.await(f -> "q".equals(f.path("ref").asText()));
            assertThat(old.path("events").get(0).path("text").asText()).isEqualTo("Can I change my address?");

            // The agent sees that the site vouched for this visitor, and which user it is.
            String agentToken = AgentSecurityTest.login(server, "one", "pw-one");
            try (RawSocket agent = AgentSecurityTest.agentSocket(server, agentToken)) {
                phone.send("{\"type\":\"handoff\",\"id\":\"hh\"}");
                JsonNode assigned = agent.awaitType("assigned");
                assertThat(assigned.path("handoff").path("visitor").path("verified").asBoolean()).isTrue();
                assertThat(assigned.path("handoff").path("visitor").path("userId").asText()).isEqualTo("u-1001");
            }

            // An expired token is rejected like a forged one.
            try (RawSocket late = RawSocket.connect(server, "/ws/visitor")) {
                String expired = IdentityVerifier.token(SECRET, "u-1001", Instant.now().minusSeconds(1));
                late.send(hello("h4", null, "u-1001", "\"token\":\"" + expired + "\""));
                assertThat(late.awaitType("welcome").path("earlierConversations")).isEmpty();
                assertThat(late.awaitType("error").path("code").asText()).isEqualTo("identity_rejected");
            }
            // Another user signing in where u-1001's token is stored is never linked to u-1001.
            try (RawSocket shared = RawSocket.connect(server, "/ws/visitor")) {
                shared.send(hello("h5", laptopToken, "u-2002",
                        "\"signature\":\"" + IdentityVerifier.signature(SECRET, "u-2002") + "\""));
                assertThat(shared.awaitType("welcome").path("earlierConversations")).isEmpty();
            }
        }
    }

    @Test
    void anonymousChat_goesAlongWhenTheVisitorSignsInAsAKnownUser() throws Exception {
        Path data = Files.createTempDirectory("concierge-identity");
        String signature = IdentityVerifier.signature(SECRET, "u-7");
        try (ChatServer server = start(data)) {
            String earlier;
            try (RawSocket known = RawSocket.connect(server, "/ws/visitor")) {
                known.send(hello("h1", null, "u-7", "\"signature\":\"" + signature + "\""));
                known.awaitType("welcome");
                known.send("{\"type\":\"message\",\"id\":\"k1\",\"text\":\"An older question\"}");
                earlier = known.awaitType("ack").path("conversationId").asText();
                known.send("{\"type\":\"close\",\"id\":\"k2\",\"conversationId\":\"" + earlier + "\"}");
                known.await(f -> "k2".equals(f.path("ref").asText()));
            }
            // On another device the user first chats anonymously, then signs in on the site.
            String anonymousToken;
            String chat;
            try (RawSocket anonymous = RawSocket.connect(server, "/ws/visitor")) {
                anonymous.send("{\"type\":\"hello\",\"id\":\"h2\",\"version\":1,\"site\":\"shop\"}");
                anonymousToken = anonymous.awaitType("welcome").path("visitorToken").asText();
                anonymous.send("{\"type\":\"message\",\"id\":\"a1\",\"text\":\"My parcel is late\"}");
                chat = anonymous.awaitType("ack").path("conversationId").asText();
            }
            try (RawSocket signedIn = RawSocket.connect(server, "/ws/visitor")) {
                signedIn.send(hello("h3", anonymousToken, "u-7", "\"signature\":\"" + signature + "\"")
                        .replace("}}", "},\"resume\":{\"conversationId\":\"" + chat + "\",\"lastSeq\":0}}"));
                JsonNode welcome = signedIn.awaitType("welcome");
                assertThat(welcome.path("conversationId").asText()).as("the anonymous chat continues").isEqualTo(chat);
                assertThat(welcome.path("earlierConversations").get(0).path("conversationId").asText()).isEqualTo(earlier);
                JsonNode transcript = signedIn.awaitType("transcript");
                assertThat(transcript.path("events").get(0).path("text").asText()).isEqualTo("My parcel is late");
                signedIn.send("{\"type\":\"message\",\"id\":\"a2\",\"text\":\"still here\"}");
                assertThat(signedIn.awaitType("ack").path("conversationId").asText()).isEqualTo(chat);
            }
        }
    }

    private static String hello(String id, String visitorToken, String userId, String proof) {
        return "{\"type\":\"hello\",\"id\":\"" + id + "\",\"version\":1,\"site\":\"shop\""
                + (visitorToken == null ? "" : ",\"visitorToken\":\"" + visitorToken + "\"")
                + ",\"identity\":{\"userId\":\"" + userId + "\",\"name\":\"Ada\"," + proof + "}}";
    }

    private static Identity identity(String userId, String signature, String token) {
        return new Identity(userId, null, null, signature, token);
    }

    private static ChatServer start(Path data) {
        return ChatServer.builder().port(0).dataDir(data)
                .agents(List.of(AgentAccount.withPassword("a1", "Agent One", "one", "pw-one", 1000)))
                .sitesFile(write(SITES), name -> null)
                .start();
    }

    private static Path write(String json) {
        try {
            Path file = Files.createTempFile("concierge-sites", ".json");
            Files.writeString(file, json);
            return file;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
