package dev.concierge.server;

import static dev.concierge.server.testing.SitesFixture.SECRET;
import static dev.concierge.server.testing.SitesFixture.SITES;
import static dev.concierge.server.testing.SitesFixture.start;
import static dev.concierge.server.testing.SitesFixture.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.server.auth.Site;
import dev.concierge.server.auth.SitesFile;
import dev.concierge.server.testing.RawSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sites file, {@code GET /api/sites/{key}} and unknown sites or departments, over real sockets. */
final class SiteSettingsTest {
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

        assertThatThrownBy(
                        () -> SitesFile.read(write("{\"sites\":{\"x\":{\"colors\":{\"brand\":\"red\"}}}}"), n -> null))
                .hasMessageContaining("sites.x.colors.brand");
        assertThatThrownBy(() -> SitesFile.read(write("{\"sites\":{\"x\":{\"identitySecret\":\"short\"}}}"), n -> null))
                .hasMessageContaining("sites.x.identitySecret: at least 32");
        assertThatThrownBy(() -> SitesFile.read(write("{\"sites\":{\"x\":{\"greting\":\"typo\"}}}"), n -> null))
                .hasMessageContaining("sites.x.greting: unknown field");
        assertThatThrownBy(() ->
                        SitesFile.read(write("{\"sites\":{\"x\":{\"preChat\":{\"fields\":[\"phone\"]}}}}"), n -> null))
                .hasMessageContaining("preChat.fields");
        Site fromEnv = SitesFile.read(
                        write("{\"sites\":{\"x\":{\"identitySecretEnv\":\"SHOP_SECRET\"}}}"),
                        n -> n.equals("SHOP_SECRET") ? SECRET : null)
                .get("x");
        assertThat(fromEnv.identitySecret()).contains(SECRET);
    }

    @Test
    void siteSettings_arePublic_withoutSecretOrOrigins() throws Exception {
        try (ChatServer server = start(Files.createTempDirectory("concierge-sites"))) {
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> shop = http.send(
                    HttpRequest.newBuilder(server.baseUri().resolve("/api/sites/shop"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(shop.statusCode()).isEqualTo(200);
            assertThat(shop.headers().firstValue("access-control-allow-origin")).contains("*");
            JsonNode body = new ObjectMapper().readTree(shop.body());
            assertThat(body.path("greeting").asText()).isEqualTo("Hi <b>there</b>");
            assertThat(body.path("colors").path("brand").asText()).isEqualTo("#0f766e");
            assertThat(body.path("preChat").path("fields").toString()).isEqualTo("[\"name\",\"email\"]");
            assertThat(shop.body())
                    .doesNotContain(SECRET)
                    .doesNotContain("shop.example.com")
                    .doesNotContain("identitySecret");
            HttpResponse<String> missing = http.send(
                    HttpRequest.newBuilder(server.baseUri().resolve("/api/sites/nope"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(missing.statusCode()).isEqualTo(404);
        }
    }

    @Test
    void unknownSiteOrDepartment_getsAnErrorNamingIt_overTheWire() throws Exception {
        try (ChatServer server = start(Files.createTempDirectory("concierge-unknown"))) {
            try (RawSocket s = RawSocket.connect(server, "/ws/visitor")) {
                s.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1,\"site\":\"nope\"}");
                JsonNode error = s.awaitType("error");
                assertThat(error.path("code").asText()).isEqualTo("unknown_site");
                assertThat(error.path("message").asText()).contains("site");
                assertThat(s.closedWith.get(5, java.util.concurrent.TimeUnit.SECONDS))
                        .isEqualTo(1008);
            }
            try (RawSocket s = RawSocket.connect(server, "/ws/visitor")) {
                s.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1,\"site\":\"shop\",\"department\":\"sales\"}");
                s.awaitType("welcome");
                JsonNode error = s.awaitType("error");
                assertThat(error.path("code").asText()).isEqualTo("unknown_department");
                assertThat(error.path("message").asText()).contains("department");
                assertThat(error.path("ref").asText()).isEqualTo("h");
                s.send("{\"type\":\"handoff\",\"id\":\"hh\",\"department\":\"sales\"}");
                assertThat(s.await(f -> "hh".equals(f.path("ref").asText()))
                                .path("code")
                                .asText())
                        .isEqualTo("unknown_department");
                // The agents file's departments and the site's own are valid.
                s.send("{\"type\":\"handoff\",\"id\":\"h2\",\"department\":\"billing\"}");
                assertThat(s.await(f -> "h2".equals(f.path("ref").asText()))
                                .path("type")
                                .asText())
                        .isEqualTo("ack");
            }
            try (RawSocket s = RawSocket.connect(server, "/ws/visitor")) {
                s.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1,\"site\":\"shop\",\"department\":\"orders\"}");
                s.awaitType("welcome");
                s.send("{\"type\":\"message\",\"id\":\"m\",\"text\":\"hi\"}");
                assertThat(s.await(f -> "m".equals(f.path("ref").asText()))
                                .path("type")
                                .asText())
                        .isEqualTo("ack");
            }
        }
    }
}
