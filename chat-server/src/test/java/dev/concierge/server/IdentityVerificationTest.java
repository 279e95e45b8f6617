package dev.concierge.server;

import static dev.concierge.server.testing.SitesFixture.CLUB_OLD_SECRET;
import static dev.concierge.server.testing.SitesFixture.CLUB_SECRET;
import static dev.concierge.server.testing.SitesFixture.SECRET;
import static dev.concierge.server.testing.SitesFixture.SITES;
import static dev.concierge.server.testing.SitesFixture.start;
import static dev.concierge.server.testing.SitesFixture.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.protocol.Identity;
import dev.concierge.server.auth.IdentityVerifier;
import dev.concierge.server.auth.Site;
import dev.concierge.server.auth.SitesFile;
import dev.concierge.server.testing.AgentHttp;
import dev.concierge.server.testing.RawSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Identity verification: signatures, tokens, secret rotation and signed emails, over real sockets. */
final class IdentityVerificationTest {
    @Test
    void verifier_acceptsOnlyTheRightSignatureOrAnUnexpiredToken() {
        Site shop = SitesFile.read(write(SITES), n -> null).get("shop");
        Instant now = Instant.parse("2026-11-23T10:00:00Z");
        String good = IdentityVerifier.signature(SECRET, "u-1001");
        assertThat(user(shop, identity("u-1001", good, null), now)).contains("u-1001");
        assertThat(user(shop, identity("u-1001", good.toUpperCase(), null), now))
                .contains("u-1001");
        assertThat(user(shop, identity("u-1002", good, null), now)).isEmpty();
        assertThat(user(
                        shop,
                        identity(
                                "u-1001",
                                IdentityVerifier.signature("another-secret-of-32-characters!!", "u-1001"),
                                null),
                        now))
                .isEmpty();
        assertThat(user(shop, identity("u-1001", "nothex", null), now)).isEmpty();
        String token = IdentityVerifier.token(SECRET, "u.1001@example", now.plusSeconds(3600));
        assertThat(user(shop, identity("u.1001@example", null, token), now)).contains("u.1001@example");
        assertThat(user(shop, identity("u.1001@example", null, token), now.plusSeconds(3600)))
                .isEmpty();
        assertThat(user(shop, identity("someone-else", null, token), now)).isEmpty();
        String tampered =
                token.replace("." + (now.getEpochSecond() + 3600) + ".", "." + (now.getEpochSecond() + 99_999) + ".");
        assertThat(user(shop, identity("u.1001@example", null, tampered), now)).isEmpty();
        Site blog = SitesFile.read(write(SITES), n -> null).get("blog");
        assertThat(user(blog, identity("u-1001", good, null), now))
                .as("no secret, no verification")
                .isEmpty();
    }

    @Test
    void verifiedIdentity_linksEveryDevice_forgedOneIsRejectedAndStaysAnonymous() throws Exception {
        Path data = Files.createTempDirectory("concierge-identity");
        String signature = IdentityVerifier.signature(SECRET, "u-1001");
        String first;
        String laptopToken;
        try (ChatServer server = start(data);
                RawSocket laptop = RawSocket.connect(server, "/ws/visitor")) {
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
                assertThat(anon.path("visitorId").asText())
                        .isNotEqualTo(welcome.path("visitorId").asText());
                assertThat(anon.path("earlierConversations")).isEmpty();
            }
        }
        // Another device after a restart, with an expiring token: the same user, their history.
        try (ChatServer server = start(data);
                RawSocket phone = RawSocket.connect(server, "/ws/visitor")) {
            String token =
                    IdentityVerifier.token(SECRET, "u-1001", Instant.now().plusSeconds(600));
            phone.send(hello("h3", null, "u-1001", "\"token\":\"" + token + "\""));
            JsonNode welcome = phone.awaitType("welcome");
            assertThat(welcome.path("earlierConversations")
                            .get(0)
                            .path("conversationId")
                            .asText())
                    .isEqualTo(first);
            assertThat(welcome.path("visitorToken").asText()).isNotEmpty();
            phone.send("{\"type\":\"history\",\"id\":\"q\",\"conversationId\":\"" + first + "\",\"afterSeq\":0}");
            JsonNode old = phone.await(f -> "q".equals(f.path("ref").asText()));
            assertThat(old.path("events").get(0).path("text").asText()).isEqualTo("Can I change my address?");

            // The agent sees that the site vouched for this visitor, and which user it is.
            String agentToken = AgentHttp.login(server, "one", "pw-one");
            try (RawSocket agent = AgentHttp.agentSocket(server, agentToken)) {
                phone.send("{\"type\":\"handoff\",\"id\":\"hh\"}");
                JsonNode assigned = agent.awaitType("assigned");
                assertThat(assigned.path("handoff")
                                .path("visitor")
                                .path("verified")
                                .asBoolean())
                        .isTrue();
                assertThat(assigned.path("handoff")
                                .path("visitor")
                                .path("userId")
                                .asText())
                        .isEqualTo("u-1001");
            }

            // An expired token is rejected like a forged one.
            try (RawSocket late = RawSocket.connect(server, "/ws/visitor")) {
                String expired =
                        IdentityVerifier.token(SECRET, "u-1001", Instant.now().minusSeconds(1));
                late.send(hello("h4", null, "u-1001", "\"token\":\"" + expired + "\""));
                assertThat(late.awaitType("welcome").path("earlierConversations"))
                        .isEmpty();
                assertThat(late.awaitType("error").path("code").asText()).isEqualTo("identity_rejected");
            }
            // Another user signing in where u-1001's token is stored is never linked to u-1001.
            try (RawSocket shared = RawSocket.connect(server, "/ws/visitor")) {
                shared.send(hello(
                        "h5",
                        laptopToken,
                        "u-2002",
                        "\"signature\":\"" + IdentityVerifier.signature(SECRET, "u-2002") + "\""));
                assertThat(shared.awaitType("welcome").path("earlierConversations"))
                        .isEmpty();
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
                anonymousToken =
                        anonymous.awaitType("welcome").path("visitorToken").asText();
                anonymous.send("{\"type\":\"message\",\"id\":\"a1\",\"text\":\"My parcel is late\"}");
                chat = anonymous.awaitType("ack").path("conversationId").asText();
            }
            try (RawSocket signedIn = RawSocket.connect(server, "/ws/visitor")) {
                signedIn.send(hello("h3", anonymousToken, "u-7", "\"signature\":\"" + signature + "\"")
                        .replace("}}", "},\"resume\":{\"conversationId\":\"" + chat + "\",\"lastSeq\":0}}"));
                JsonNode welcome = signedIn.awaitType("welcome");
                assertThat(welcome.path("conversationId").asText())
                        .as("the anonymous chat continues")
                        .isEqualTo(chat);
                assertThat(welcome.path("earlierConversations")
                                .get(0)
                                .path("conversationId")
                                .asText())
                        .isEqualTo(earlier);
                JsonNode transcript = signedIn.awaitType("transcript");
                assertThat(transcript.path("events").get(0).path("text").asText())
                        .isEqualTo("My parcel is late");
                signedIn.send("{\"type\":\"message\",\"id\":\"a2\",\"text\":\"still here\"}");
                assertThat(signedIn.awaitType("ack").path("conversationId").asText())
                        .isEqualTo(chat);
            }
        }
    }

    @Test
    void aSignatureOverACraftedUserId_isNoToken_overTheWire() throws Exception {
        // A site signs whatever user id its users choose. One shaped like a token's payload
        // (base64url("u-1001") "." expiry) must not give a token for u-1001.
        String victimSignature = IdentityVerifier.signature(SECRET, "u-1001");
        try (ChatServer server = start(Files.createTempDirectory("concierge-forgery"))) {
            try (RawSocket victim = RawSocket.connect(server, "/ws/visitor")) {
                victim.send(hello("v1", null, "u-1001", "\"signature\":\"" + victimSignature + "\""));
                victim.awaitType("welcome");
                victim.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"My card ends in 4242\"}");
                String chat = victim.awaitType("ack").path("conversationId").asText();
                victim.send("{\"type\":\"close\",\"id\":\"x1\",\"conversationId\":\"" + chat + "\"}");
                victim.await(f -> "x1".equals(f.path("ref").asText()));
            }
            String user =
                    Base64.getUrlEncoder().withoutPadding().encodeToString("u-1001".getBytes(StandardCharsets.UTF_8));
            for (long expiry : new long[] {Instant.now().plusSeconds(600).getEpochSecond(), 99_999_999_999L}) {
                String crafted = user + "." + expiry;
                String siteSigned = IdentityVerifier.signature(SECRET, crafted);
                try (RawSocket attacker = RawSocket.connect(server, "/ws/visitor")) {
                    // The signature is still valid for the crafted id itself: today's format stays.
                    attacker.send(hello("a1", null, crafted, "\"signature\":\"" + siteSigned + "\""));
                    assertThat(attacker.awaitType("welcome").path("earlierConversations"))
                            .isEmpty();
                }
                String forged = crafted + "."
                        + Base64.getUrlEncoder()
                                .withoutPadding()
                                .encodeToString(HexFormat.of().parseHex(siteSigned));
                try (RawSocket attacker = RawSocket.connect(server, "/ws/visitor")) {
                    attacker.send(hello("a2", null, "u-1001", "\"token\":\"" + forged + "\""));
                    JsonNode welcome = attacker.awaitType("welcome");
                    assertThat(attacker.awaitType("error").path("code").asText())
                            .as("expiry " + expiry)
                            .isEqualTo("identity_rejected");
                    assertThat(welcome.path("earlierConversations"))
                            .as("the victim's history")
                            .isEmpty();
                }
            }
        }
    }

    @Test
    void rotation_bothSecretsOfASiteAreAccepted_anUnknownOneIsNot_overTheWire() throws Exception {
        try (ChatServer server = start(Files.createTempDirectory("concierge-rotation"))) {
            for (String secret : List.of(CLUB_SECRET, CLUB_OLD_SECRET)) {
                try (RawSocket s = RawSocket.connect(server, "/ws/visitor")) {
                    s.send(hello(
                            "club",
                            "h1",
                            null,
                            "u-5",
                            "\"signature\":\"" + IdentityVerifier.signature(secret, "u-5") + "\""));
                    s.awaitType("welcome");
                    s.send("{\"type\":\"message\",\"id\":\"m\",\"text\":\"hi\"}");
                    assertThat(s.await(f -> "m".equals(f.path("ref").asText()))
                                    .path("type")
                                    .asText())
                            .as("no identity_rejected before the ack")
                            .isEqualTo("ack");
                }
                try (RawSocket s = RawSocket.connect(server, "/ws/visitor")) {
                    String token =
                            IdentityVerifier.token(secret, "u-5", Instant.now().plusSeconds(600));
                    s.send(hello("club", "h2", null, "u-5", "\"token\":\"" + token + "\""));
                    assertThat(s.awaitType("welcome").path("conversationId").asText())
                            .as("u-5's open chat")
                            .isNotEmpty();
                }
            }
            // The shop's secret is not the club's, nor is any other.
            for (String secret : List.of(SECRET, "an-unknown-secret-of-32-characters-or-more")) {
                try (RawSocket s = RawSocket.connect(server, "/ws/visitor")) {
                    s.send(hello(
                            "club",
                            "h3",
                            null,
                            "u-5",
                            "\"signature\":\"" + IdentityVerifier.signature(secret, "u-5") + "\""));
                    assertThat(s.awaitType("welcome").path("conversationId").isMissingNode())
                            .isTrue();
                    assertThat(s.awaitType("error").path("code").asText()).isEqualTo("identity_rejected");
                }
            }
        }
        assertThatThrownBy(() -> SitesFile.read(
                        write("{\"sites\":{\"x\":{\"previousIdentitySecret\":\"" + CLUB_OLD_SECRET + "\"}}}"),
                        n -> null))
                .hasMessageContaining("sites.x.previousIdentitySecret");
        assertThatThrownBy(() -> SitesFile.read(
                        write("{\"sites\":{\"x\":{\"identitySecret\":\"" + SECRET
                                + "\",\"previousIdentitySecret\":\"short\"}}}"),
                        n -> null))
                .hasMessageContaining("sites.x.previousIdentitySecret: at least 32");
        Site fromEnv = SitesFile.read(
                        write("{\"sites\":{\"x\":{\"identitySecret\":\"" + SECRET
                                + "\",\"previousIdentitySecretEnv\":\"OLD\"}}}"),
                        n -> n.equals("OLD") ? CLUB_OLD_SECRET : null)
                .get("x");
        assertThat(fromEnv.previousIdentitySecret()).contains(CLUB_OLD_SECRET);
    }

    @Test
    void tokenLifetime_isCapped_overTheWire() throws Exception {
        try (ChatServer server = start(Files.createTempDirectory("concierge-lifetime"))) {
            Instant withinCap =
                    Instant.now().plus(IdentityVerifier.MAX_TOKEN_LIFETIME).minusSeconds(120);
            try (RawSocket s = RawSocket.connect(server, "/ws/visitor")) {
                s.send(hello(
                        "h1", null, "u-9", "\"token\":\"" + IdentityVerifier.token(SECRET, "u-9", withinCap) + "\""));
                s.awaitType("welcome");
                s.send("{\"type\":\"message\",\"id\":\"m\",\"text\":\"hi\"}");
                assertThat(s.await(f -> "m".equals(f.path("ref").asText()))
                                .path("type")
                                .asText())
                        .isEqualTo("ack");
            }
            Instant beyondCap =
                    Instant.now().plus(IdentityVerifier.MAX_TOKEN_LIFETIME).plusSeconds(120);
            try (RawSocket s = RawSocket.connect(server, "/ws/visitor")) {
                s.send(hello(
                        "h2", null, "u-9", "\"token\":\"" + IdentityVerifier.token(SECRET, "u-9", beyondCap) + "\""));
                assertThat(s.awaitType("welcome").path("conversationId").isMissingNode())
                        .as("not u-9's chat")
                        .isTrue();
                assertThat(s.awaitType("error").path("code").asText()).isEqualTo("identity_rejected");
            }
        }
    }

    @Test
    void signedEmail_isMarkedVerified_aTypedOneIsNot_overTheWire() throws Exception {
        try (ChatServer server = start(Files.createTempDirectory("concierge-email"))) {
            String agentToken = AgentHttp.login(server, "one", "pw-one");
            try (RawSocket agent = AgentHttp.agentSocket(server, agentToken)) {
                // Signed email: the identity's email wins over the typed one, and is marked.
                try (RawSocket v = RawSocket.connect(server, "/ws/visitor")) {
                    v.send(helloWithEmail(
                            "u-1",
                            "ada@example.com",
                            IdentityVerifier.emailSignature(SECRET, "u-1", "ada@example.com")));
                    v.awaitType("welcome");
                    v.send("{\"type\":\"handoff\",\"id\":\"hh\"}");
                    JsonNode visitor =
                            agent.awaitType("assigned").path("handoff").path("visitor");
                    assertThat(visitor.path("email").asText()).isEqualTo("ada@example.com");
                    assertThat(visitor.path("verifiedFields").toString()).isEqualTo("[\"userId\",\"email\"]");
                    assertThat(visitor.path("userId").asText()).isEqualTo("u-1");
                }
                // An email signed for another user, or another email, is only typed.
                List<java.util.function.Function<String, String>> wrong = List.of(
                        user -> IdentityVerifier.emailSignature(SECRET, "u-2", "ada@example.com"),
                        user -> IdentityVerifier.emailSignature(SECRET, user, "eve@example.com"),
                        user -> IdentityVerifier.emailSignature(CLUB_SECRET, user, "ada@example.com"),
                        user -> IdentityVerifier.signature(SECRET, user));
                for (int i = 0; i < wrong.size(); i++) {
                    String user = "u-3" + i;
                    try (RawSocket v = RawSocket.connect(server, "/ws/visitor")) {
                        v.send(helloWithEmail(
                                user, "ada@example.com", wrong.get(i).apply(user)));
                        v.awaitType("welcome");
                        assertThat(v.awaitType("error").path("code").asText()).isEqualTo("email_rejected");
                        v.send("{\"type\":\"handoff\",\"id\":\"hh\"}");
                        JsonNode visitor =
                                agent.awaitType("assigned").path("handoff").path("visitor");
                        assertThat(visitor.path("userId").asText()).isEqualTo(user);
                        assertThat(visitor.path("verified").asBoolean()).isTrue();
                        assertThat(visitor.path("verifiedFields").toString())
                                .as("case " + i)
                                .isEqualTo("[\"userId\"]");
                    }
                }
                // Nothing signed: nothing marked.
                try (RawSocket v = RawSocket.connect(server, "/ws/visitor")) {
                    v.send(
                            "{\"type\":\"hello\",\"id\":\"h\",\"version\":1,\"site\":\"shop\",\"context\":{\"name\":\"Eve\",\"email\":\"eve@example.com\"}}");
                    v.awaitType("welcome");
                    v.send("{\"type\":\"handoff\",\"id\":\"hh\"}");
                    JsonNode visitor =
                            agent.awaitType("assigned").path("handoff").path("visitor");
                    assertThat(visitor.path("email").asText()).isEqualTo("eve@example.com");
                    assertThat(visitor.path("verified").asBoolean()).isFalse();
                    assertThat(visitor.path("verifiedFields").isMissingNode()).isTrue();
                }
            }
        }
    }

    @Test
    void theProtocolDocsIdentityExample_verifiesUnderItsDocumentedSecret() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "protocol.md"));
        var sites = java.util.regex.Pattern.compile("```json\n(\\{\"sites\".*?)```", java.util.regex.Pattern.DOTALL)
                .matcher(doc);
        assertThat(sites.find())
                .as("docs/protocol.md shows the example site's sites file")
                .isTrue();
        Map<String, Site> documented = SitesFile.read(write(sites.group(1)), n -> null);
        var hello = java.util.regex.Pattern.compile("```json client\n(\\{\"type\":\"hello\"[^\n]*\"identity\"[^\n]*)\n")
                .matcher(doc);
        assertThat(hello.find())
                .as("docs/protocol.md has a hello with an identity")
                .isTrue();
        JsonNode frame = new ObjectMapper().readTree(hello.group(1));
        Identity identity = new ObjectMapper().treeToValue(frame.path("identity"), Identity.class);
        Site site = documented.get(frame.path("site").asText());
        assertThat(site).as("the example's site is the documented one").isNotNull();
        var verified = IdentityVerifier.verify(site, identity, Instant.now());
        assertThat(verified)
                .as("the documented signature is the HMAC of the documented user id")
                .isPresent();
        assertThat(verified.get().userId()).isEqualTo(identity.userId());
        assertThat(verified.get().email())
                .as("the documented emailSignature verifies")
                .contains(identity.email());
    }

    private static String helloWithEmail(String userId, String email, String emailSignature) {
        return "{\"type\":\"hello\",\"id\":\"h\",\"version\":1,\"site\":\"shop\","
                + "\"context\":{\"email\":\"typed@example.com\"},"
                + "\"identity\":{\"userId\":\"" + userId + "\",\"email\":\"" + email + "\","
                + "\"signature\":\"" + IdentityVerifier.signature(SECRET, userId) + "\","
                + "\"emailSignature\":\"" + emailSignature + "\"}}";
    }

    private static String hello(String site, String id, String visitorToken, String userId, String proof) {
        return hello(id, visitorToken, userId, proof).replace("\"site\":\"shop\"", "\"site\":\"" + site + "\"");
    }

    private static String hello(String id, String visitorToken, String userId, String proof) {
        return "{\"type\":\"hello\",\"id\":\"" + id + "\",\"version\":1,\"site\":\"shop\""
                + (visitorToken == null ? "" : ",\"visitorToken\":\"" + visitorToken + "\"")
                + ",\"identity\":{\"userId\":\"" + userId + "\",\"name\":\"Ada\"," + proof + "}}";
    }

    private static java.util.Optional<String> user(Site site, Identity identity, Instant now) {
        return IdentityVerifier.verify(site, identity, now).map(IdentityVerifier.Verified::userId);
    }

    private static Identity identity(String userId, String signature, String token) {
        return new Identity(userId, null, null, signature, token);
    }
}
