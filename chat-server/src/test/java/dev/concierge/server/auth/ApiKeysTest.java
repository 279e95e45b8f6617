package dev.concierge.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.server.testing.FakeIntegrationStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * API keys: their format, what the store keeps (the hash of the whole key, never the key), the
 * checks (hash, revocation, expiry, kind), the 5 s cache, the once-a-minute {@code lastUsedAt}
 * and the per-key rate, all on injected time.
 */
final class ApiKeysTest {
    private final FakeIntegrationStore store = new FakeIntegrationStore();
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-07T10:00:00Z"));
    private final Clock clock = new Clock() {
        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };
    private final ApiKeys keys = new ApiKeys(store, clock, nanos::get);

    private void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
        now.set(now.get().plus(d));
    }

    private ApiKeys.Minted stored(String kind, Optional<Instant> expiresAt) {
        ApiKeys.Minted minted = keys.mint(new ApiKeys.Request(
                kind,
                kind.equals("site") ? Optional.of("demo") : Optional.empty(),
                kind.equals("site") ? Set.of(ApiScope.CONVERSATIONS_READ) : Set.of(ApiScope.WEBHOOKS_READ),
                Optional.empty(),
                Optional.empty(),
                "test key",
                expiresAt,
                ApiPrincipal.ADMIN_TOKEN));
        store.insertApiKey(minted.record()).join();
        return minted;
    }

    @Test
    void aKey_hasItsFormat_andTheStoreKeepsOnlyTheHashOfTheWholeKey() {
        ApiKeys.Minted minted = stored("site", Optional.empty());
        assertThat(minted.key()).matches("ck_site_[A-Za-z0-9_-]{16}_[A-Za-z0-9_-]{43}");
        assertThat(minted.key()).startsWith("ck_site_" + minted.record().id() + "_");
        assertThat(minted.record().secretSha256())
                .hasSize(64)
                .isEqualTo(ApiKeys.sha256Hex(minted.key()))
                .doesNotContain(minted.key().substring(25));
        assertThat(minted.record().toString()).doesNotContain(minted.key().substring(25));
        assertThat(ApiKeys.parse(minted.key()))
                .hasValue(new ApiKeys.Parsed("site", minted.record().id()));
        assertThat(stored("admin", Optional.empty()).key()).startsWith("ck_admin_");
    }

    @Test
    void malformedKeys_doNotParse() {
        String id = "A".repeat(16);
        String secret = "b".repeat(43);
        assertThat(ApiKeys.parse("ck_site_" + id + "_" + secret)).isPresent();
        for (String bad : new String[] {
            "",
            "ck_site_",
            "ck_root_" + id + "_" + secret,
            "ck_site_" + id + "-" + secret,
            "ck_site_" + id + "_" + secret + "x",
            "ck_site_" + id + "_" + secret.substring(1),
            "ck_site_" + id + "_" + secret.substring(1) + "/",
            "xk_site_" + id + "_" + secret
        }) {
            assertThat(ApiKeys.parse(bad)).as(bad).isEmpty();
        }
    }

    @Test
    void theRightKey_isItsPrincipal_aChangedSecretOrKindIsNot() {
        ApiKeys.Minted minted = stored("site", Optional.empty());
        ApiPrincipal p = keys.authenticate(minted.key()).orElseThrow();
        assertThat(p.keyId()).isEqualTo(minted.record().id());
        assertThat(p.admin()).isFalse();
        assertThat(p.site()).hasValue("demo");
        assertThat(p.scopes()).containsExactly(ApiScope.CONVERSATIONS_READ);

        String k = minted.key();
        char last = k.charAt(k.length() - 1);
        String otherSecret = k.substring(0, k.length() - 1) + (last == 'A' ? 'B' : 'A');
        assertThat(keys.authenticate(otherSecret)).isEmpty();
        assertThat(keys.authenticate(k.replace("ck_site_", "ck_admin_"))).isEmpty();
        assertThat(keys.authenticate("ck_site_" + "Z".repeat(16) + "_" + "s".repeat(43)))
                .isEmpty();
    }

    @Test
    void anExpiredKey_isRefused_fromTheMomentItExpires() {
        ApiKeys.Minted minted = stored("admin", Optional.of(now.get().plusSeconds(60)));
        assertThat(keys.authenticate(minted.key())).isPresent();
        advance(Duration.ofSeconds(59));
        assertThat(keys.authenticate(minted.key())).isPresent();
        advance(Duration.ofSeconds(1));
        assertThat(keys.authenticate(minted.key())).isEmpty();
    }

    @Test
    void aRevocation_takesEffectAtOnceWhenForgotten_andWithinFiveSecondsOtherwise() {
        ApiKeys.Minted here = stored("site", Optional.empty());
        ApiKeys.Minted elsewhere = stored("site", Optional.empty());
        assertThat(keys.authenticate(here.key())).isPresent();
        assertThat(keys.authenticate(elsewhere.key())).isPresent();

        store.revokeApiKey(here.record().id(), now.get()).join();
        keys.forget(here.record().id());
        assertThat(keys.authenticate(here.key())).isEmpty();

        // Revoked on another node: this node's cache still holds the record, for at most 5 s.
        store.revokeApiKey(elsewhere.record().id(), now.get()).join();
        assertThat(keys.authenticate(elsewhere.key())).isPresent();
        advance(ApiKeys.CACHE_TTL);
        assertThat(keys.authenticate(elsewhere.key())).isEmpty();
    }

    @Test
    void theCache_readsTheStoreOncePerKeyInFiveSeconds_andSaysWhenItWouldRead() {
        ApiKeys.Minted minted = stored("site", Optional.empty());
        assertThat(keys.authenticateCached(minted.key())).isEmpty();
        for (int i = 0; i < 50; i++) {
            assertThat(keys.authenticate(minted.key())).isPresent();
        }
        assertThat(store.keyReads).hasValue(1);
        assertThat(keys.authenticateCached(minted.key()))
                .hasValueSatisfying(p -> assertThat(p).isPresent());
        advance(ApiKeys.CACHE_TTL);
        assertThat(keys.authenticateCached(minted.key())).isEmpty();
        keys.authenticate(minted.key());
        assertThat(store.keyReads).hasValue(2);
        // An unknown id is cached too, so random ids cannot make every call read the store.
        String unknown = "ck_site_" + "Q".repeat(16) + "_" + "s".repeat(43);
        keys.authenticate(unknown);
        keys.authenticate(unknown);
        assertThat(store.keyReads).hasValue(3);
    }

    @Test
    void lastUsedAt_isWrittenAtMostOnceAMinutePerKey() {
        ApiKeys.Minted minted = stored("site", Optional.empty());
        String id = minted.record().id();
        Instant first = now.get();
        for (int i = 0; i < 30; i++) {
            keys.authenticate(minted.key());
            advance(Duration.ofSeconds(1));
        }
        assertThat(store.keyUses).containsExactly(id + "@" + first);
        advance(Duration.ofSeconds(30));
        keys.authenticate(minted.key());
        assertThat(store.keyUses).hasSize(2);
        assertThat(store.apiKey(id).orElseThrow().lastUsedAt()).isEqualTo(now.get());
    }

    @Test
    void theRate_isABurstOfOneHundred_thenTwentyASecond_perKey() {
        for (int i = 0; i < ApiKeys.BURST; i++) {
            assertThat(keys.admit("k1")).as("request %d", i).isEmpty();
        }
        assertThat(keys.admit("k1")).hasValue(1);
        assertThat(keys.admit("k2")).as("another key has its own budget").isEmpty();
        advance(Duration.ofMillis(50));
        assertThat(keys.admit("k1")).isEmpty();
        assertThat(keys.admit("k1")).isPresent();
        advance(Duration.ofSeconds(1));
        for (int i = 0; i < ApiKeys.PER_SECOND; i++) {
            assertThat(keys.admit("k1")).as("request %d after a second", i).isEmpty();
        }
        assertThat(keys.admit("k1")).isPresent();
    }
}
