package dev.concierge.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.server.ChatServer;
import dev.concierge.server.auth.ApiKeys;
import dev.concierge.server.testing.FakeIntegrationStore;
import dev.concierge.server.testing.MutableClock;
import dev.concierge.server.testing.RawHttp;
import dev.concierge.server.testing.RestClient;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Key checks that need the store, over real sockets from several loopback addresses
 * (docs/integrations.md, "Keys"): well-formed keys with random ids cost a store read each only
 * until their address has failed {@link ApiKeys#FAILED_CHECKS_PER_ADDRESS} checks, then 429 with
 * {@code Retry-After} before any read, while other addresses and cached keys go on; an unknown id
 * is remembered for {@link ApiKeys#UNKNOWN_TTL}; the refusals of one address make one warning a
 * minute. Time (the ticker of the throttle, the caches and the warnings) is the test's.
 */
final class ApiKeyChecksTest {
    private static final String ADMIN = ApiKeysEndpointsTest.ADMIN;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final FakeIntegrationStore integrations = new FakeIntegrationStore();
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private ChatServer server;

    @BeforeEach
    void start() {
        server = ApiKeysEndpointsTest.start(
                integrations, new MutableClock(Instant.parse("2026-12-07T10:00:00Z")), nanos);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    /** A well-formed key no store knows. */
    private static String randomKey() {
        return "ck_admin_" + random(12) + "_" + random(32);
    }

    private static String random(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static RawHttp.Response webhooks(ChatServer server, String from, String key) throws Exception {
        return RawHttp.get(server, from, "/api/v1/webhooks", key);
    }

    @Test
    void randomKeys_fromOneAddress_areHeldBackBeforeAnyStoreRead_otherAddressesAndCachedKeysAreNot() throws Exception {
        HttpResponse<String> created = new RestClient(server)
                .post(
                        "/api/v1/api-keys",
                        ADMIN,
                        "{\"kind\":\"admin\",\"scopes\":[\"webhooks:read\"],\"name\":\"real\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String real = RestClient.json(created).path("key").asText();
        int reads = integrations.keyReads.get();

        for (int i = 0; i < ApiKeys.FAILED_CHECKS_PER_ADDRESS; i++) {
            assertThat(webhooks(server, "127.0.0.2", randomKey()).status())
                    .as("check %d", i)
                    .isEqualTo(401);
        }
        assertThat(integrations.keyReads.get()).isEqualTo(reads + ApiKeys.FAILED_CHECKS_PER_ADDRESS);

        RawHttp.Response held = webhooks(server, "127.0.0.2", randomKey());
        assertThat(held.status()).as(held.body()).isEqualTo(429);
        assertThat(new ObjectMapper().readTree(held.body()).path("error").asText())
                .isEqualTo("rate_limited");
        assertThat(held.body()).contains("too many failed API key checks from this address");
        assertThat(held.header("Retry-After")).isEqualTo("1");
        // A real key not cached yet is held back at that address too, without a store read.
        assertThat(webhooks(server, "127.0.0.2", real).status()).isEqualTo(429);
        assertThat(integrations.keyReads.get()).isEqualTo(reads + ApiKeys.FAILED_CHECKS_PER_ADDRESS);

        // Another address is not held back; once its check cached the key, no address is.
        assertThat(webhooks(server, "127.0.0.3", real).status()).isEqualTo(200);
        assertThat(webhooks(server, "127.0.0.2", real).status()).isEqualTo(200);

        advance(ApiKeys.FAILED_CHECK_REFILL);
        assertThat(webhooks(server, "127.0.0.2", randomKey()).status()).isEqualTo(401);
        assertThat(webhooks(server, "127.0.0.2", randomKey()).status()).isEqualTo(429);
    }

    @Test
    void anUnknownId_isReadFromTheStoreOnce_untilItsCacheTimeHasPassed() throws Exception {
        String unknown = randomKey();
        int reads = integrations.keyReads.get();
        assertThat(webhooks(server, "127.0.0.4", unknown).status()).isEqualTo(401);
        assertThat(integrations.keyReads.get()).isEqualTo(reads + 1);

        // Longer than a known key's record is cached, shorter than an unknown id is.
        advance(ApiKeys.CACHE_TTL.multipliedBy(2));
        assertThat(ApiKeys.CACHE_TTL.multipliedBy(2)).isLessThan(ApiKeys.UNKNOWN_TTL);
        for (int i = 0; i < 3; i++) {
            assertThat(webhooks(server, "127.0.0.4", unknown).status()).isEqualTo(401);
        }
        assertThat(integrations.keyReads.get()).isEqualTo(reads + 1);

        advance(ApiKeys.UNKNOWN_TTL);
        assertThat(webhooks(server, "127.0.0.4", unknown).status()).isEqualTo(401);
        assertThat(integrations.keyReads.get()).isEqualTo(reads + 2);
    }

    @Test
    void theRefusalsOfOneAddress_makeOneWarningAMinute_sayingHowManyWereHeldBack() throws Exception {
        Logger logger = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(ApiGuard.class.getName());
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.start();
        logger.addAppender(captured);
        List<String> keys = List.of(randomKey(), randomKey());
        try {
            for (int i = 0; i < 12; i++) {
                webhooks(server, "127.0.0.5", keys.get(i % 2));
            }
            assertThat(webhooks(server, "127.0.0.6", "not-a-key").status()).isEqualTo(401);
            assertThat(warnings(captured, "127.0.0.5")).hasSize(1);
            advance(AddressWarnings.WINDOW);
            assertThat(webhooks(server, "127.0.0.5", keys.get(0)).status()).isEqualTo(401);
        } finally {
            logger.detachAppender(captured);
        }
        List<String> lines = warnings(captured, "127.0.0.5");
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0))
                .contains("REST API call from 127.0.0.5 refused: key "
                        + ApiKeys.parse(keys.get(0)).orElseThrow().id())
                .contains("(0 more refused from there");
        assertThat(lines.get(1)).contains("(11 more refused from there");
        assertThat(String.join("\n", lines)).doesNotContain(keys.get(0).substring(26));
        assertThat(warnings(captured, "127.0.0.6"))
                .singleElement()
                .asString()
                .contains("no API key nor the admin token");
    }

    private static List<String> warnings(ListAppender<ILoggingEvent> captured, String address) {
        return captured.list.stream()
                .filter(e -> e.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.contains(" from " + address + " "))
                .toList();
    }
}
