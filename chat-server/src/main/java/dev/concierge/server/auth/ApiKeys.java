package dev.concierge.server.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.concierge.store.IntegrationStore;
import dev.concierge.store.IntegrationStore.ApiKeyRecord;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * REST API keys (docs/integrations.md, "Keys"): {@code ck_<kind>_<id>_<secret>}, {@code kind}
 * {@code site} or {@code admin}, {@code id} 16 base64url characters (12 random bytes, the public
 * lookup key), {@code secret} 43 base64url characters (32 random bytes). The store keeps only the
 * SHA-256 of the whole key: a fast hash is right for 256 random bits, which cannot be guessed, and
 * keeps every API call off the slow sign-in lane.
 *
 * <p>A check reads the key's record by its id through a cache of at most {@link #CACHE_TTL} (so a
 * revocation made on another node takes effect within it; one made here at once). An id the store
 * does not know is remembered apart, for {@link #UNKNOWN_TTL}, in a bounded cache of its own: a
 * repeated unknown id costs no store read, and a flood of random ids cannot push the records of
 * real keys out of theirs. The check then compares the
 * hashes in constant time, and refuses a revoked or expired key. Each key may make {@link
 * #PER_SECOND} requests a second with bursts of {@link #BURST}; its {@code lastUsedAt} is written at
 * most once a {@link #LAST_USED_EVERY}.
 */
public final class ApiKeys {
    /** How long a key's record is trusted without reading the store again. */
    public static final Duration CACHE_TTL = Duration.ofSeconds(5);

    /** How long an id the store does not know is answered unknown without reading the store again. */
    public static final Duration UNKNOWN_TTL = Duration.ofSeconds(30);

    /** Key checks needing the store that one client address may fail at once ({@link #admitCheck}). */
    public static final int FAILED_CHECKS_PER_ADDRESS = 10;

    /** How long until an address may fail one more key check. */
    public static final Duration FAILED_CHECK_REFILL = Duration.ofSeconds(1);

    /** Requests a second a key may make, on average. */
    public static final int PER_SECOND = 20;

    /** Requests a key may make at once after a quiet spell. */
    public static final int BURST = 100;

    /** How often, at most, a key's {@code lastUsedAt} is written. */
    public static final Duration LAST_USED_EVERY = Duration.ofMinutes(1);

    /** The kinds of key. */
    public static final Set<String> KINDS = Set.of("site", "admin");

    private static final int ID_CHARS = 16;
    private static final int SECRET_CHARS = 43;
    private static final Pattern BASE64URL = Pattern.compile("[A-Za-z0-9_-]+");

    /** A key taken apart; the secret never leaves this class but as part of a new key. */
    public record Parsed(String kind, String id) {}

    /** A new key: {@code key} is shown once, {@code record} is what the store keeps. */
    public record Minted(String key, ApiKeyRecord record) {}

    /** The fields of a new key, checked by the caller; empty optionals for what it lacks. */
    public record Request(
            String kind,
            Optional<String> site,
            Set<ApiScope> scopes,
            Optional<String> actsAsAgent,
            Optional<String> integration,
            String name,
            Optional<Instant> expiresAt,
            String createdBy) {}

    private final IntegrationStore store;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final Cache<String, ApiKeyRecord> records;
    private final Cache<String, Boolean> unknown;
    private final Cache<String, Bucket> buckets;
    private final Cache<String, Boolean> recentlyUsed;
    private final Ticker ticker;
    private final KeyCheckThrottle checks;

    /** Keys kept by {@code store}; {@code clock} for expiry and times, {@code ticker} for the cache and the rate. */
    public ApiKeys(IntegrationStore store, Clock clock, Ticker ticker) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.checks = new KeyCheckThrottle(ticker);
        this.records = Caffeine.newBuilder()
                .maximumSize(10_000)
                .expireAfterWrite(CACHE_TTL)
                .ticker(ticker)
                .build();
        this.unknown = Caffeine.newBuilder()
                .maximumSize(10_000)
                .expireAfterWrite(UNKNOWN_TTL)
                .ticker(ticker)
                .build();
        this.buckets = Caffeine.newBuilder()
                .maximumSize(10_000)
                .expireAfterAccess(Duration.ofMinutes(1))
                .ticker(ticker)
                .build();
        this.recentlyUsed = Caffeine.newBuilder()
                .maximumSize(10_000)
                .expireAfterWrite(LAST_USED_EVERY)
                .ticker(ticker)
                .build();
    }

    /** The kind and id of a well-formed key; empty for anything else. */
    public static Optional<Parsed> parse(String key) {
        if (key == null || !key.startsWith("ck_")) {
            return Optional.empty();
        }
        int kindEnd = key.indexOf('_', 3);
        if (kindEnd < 0) {
            return Optional.empty();
        }
        String kind = key.substring(3, kindEnd);
        String rest = key.substring(kindEnd + 1);
        if (!KINDS.contains(kind)
                || rest.length() != ID_CHARS + 1 + SECRET_CHARS
                || rest.charAt(ID_CHARS) != '_'
                || !BASE64URL.matcher(rest).matches()) {
            return Optional.empty();
        }
        return Optional.of(new Parsed(kind, rest.substring(0, ID_CHARS)));
    }

    /** The lower-case hex SHA-256 of the whole key string, as stored. */
    public static String sha256Hex(String key) {
        return HexFormat.of().formatHex(sha256(key));
    }

    private static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** A new key for {@code request}; the caller stores {@link Minted#record} and shows the key once. */
    public Minted mint(Request request) {
        String id = random(12);
        String key = "ck_" + request.kind() + "_" + id + "_" + random(32);
        ApiKeyRecord record = new ApiKeyRecord(
                id,
                request.kind(),
                request.site().orElse(null),
                request.scopes().stream().map(ApiScope::wire).sorted().collect(Collectors.toList()),
                request.actsAsAgent().orElse(null),
                request.integration().orElse(null),
                request.name(),
                sha256Hex(key),
                clock.instant(),
                request.createdBy(),
                request.expiresAt().orElse(null),
                null,
                null);
        return new Minted(key, record);
    }

    private String random(int bytes) {
        byte[] b = new byte[bytes];
        synchronized (random) {
            random.nextBytes(b);
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /**
     * The check of {@code key} if its record is cached (never reading the store, so safe on an
     * event loop): empty when it is not cached, else what {@link #authenticate} answers.
     */
    public Optional<Optional<ApiPrincipal>> authenticateCached(String key) {
        Optional<Parsed> parsed = parse(key);
        if (parsed.isEmpty()) {
            return Optional.of(Optional.empty());
        }
        return cached(parsed.get().id()).map(record -> check(key, parsed.get(), record));
    }

    /** The cached record of {@code id}, an empty one if it is known to be unknown, empty if neither. */
    private Optional<Optional<ApiKeyRecord>> cached(String id) {
        ApiKeyRecord record = records.getIfPresent(id);
        if (record != null) {
            return Optional.of(Optional.of(record));
        }
        return unknown.getIfPresent(id) != null ? Optional.of(Optional.empty()) : Optional.empty();
    }

    /**
     * The principal of {@code key} if it is well formed, known, matches its stored hash, and is
     * neither revoked nor expired; empty otherwise. Reads the store on a cache miss (blocking: off
     * the event loops).
     */
    public Optional<ApiPrincipal> authenticate(String key) {
        Optional<Parsed> parsed = parse(key);
        if (parsed.isEmpty()) {
            return Optional.empty();
        }
        String id = parsed.get().id();
        Optional<ApiKeyRecord> record = cached(id).orElseGet(() -> {
            Optional<ApiKeyRecord> read =
                    Optional.ofNullable(records.get(id, i -> store.apiKey(i).orElse(null)));
            if (read.isEmpty()) {
                unknown.put(id, Boolean.TRUE);
            }
            return read;
        });
        return check(key, parsed.get(), record);
    }

    private Optional<ApiPrincipal> check(String key, Parsed parsed, Optional<ApiKeyRecord> record) {
        if (record.isEmpty()) {
            return Optional.empty();
        }
        ApiKeyRecord r = record.get();
        byte[] stored;
        try {
            stored = HexFormat.of().parseHex(r.secretSha256());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        boolean valid = MessageDigest.isEqual(sha256(key), stored)
                && r.kind().equals(parsed.kind())
                && r.revokedAt() == null
                && (r.expiresAt() == null || now.isBefore(r.expiresAt()));
        if (!valid) {
            return Optional.empty();
        }
        if (recentlyUsed.asMap().putIfAbsent(r.id(), Boolean.TRUE) == null) {
            store.apiKeyUsed(r.id(), now);
        }
        return Optional.of(principal(r));
    }

    /** What a stored key may do; scopes the code no longer knows are dropped. */
    static ApiPrincipal principal(ApiKeyRecord r) {
        return new ApiPrincipal(
                r.id(),
                r.kind().equals("admin"),
                Optional.ofNullable(r.site()),
                r.scopes().stream().map(ApiScope::of).flatMap(Optional::stream).collect(Collectors.toSet()),
                Optional.ofNullable(r.actsAsAgent()),
                Optional.ofNullable(r.integration()));
    }

    /**
     * Admits a check from {@code address} that {@link #authenticateCached} could not answer, before
     * it reads the store, or says how long to wait ({@link KeyCheckThrottle}). Cheap: call it on the
     * event loop. Report a valid key with {@link #checkPassed}, a check not made with {@link
     * LoginThrottle.Attempt#cancelled}.
     */
    public LoginThrottle.Result admitCheck(String address) {
        return checks.admit(address);
    }

    /** The admitted check found a valid key: it does not count against its address. */
    public void checkPassed(LoginThrottle.Attempt check) {
        checks.passed(check);
    }

    /** Forgets the cached record of a key (after revoking it here). */
    public void forget(String id) {
        records.invalidate(id);
    }

    /**
     * Takes one request from the key's budget: empty when admitted, else the seconds to wait
     * before the next one is.
     */
    public OptionalLong admit(String keyId) {
        return buckets.get(keyId, id -> new Bucket(ticker.read())).take(ticker.read());
    }

    /** A token bucket: {@link #PER_SECOND} tokens a second, at most {@link #BURST}. */
    private static final class Bucket {
        private static final double NANOS_PER_TOKEN = 1e9 / PER_SECOND;
        private double tokens = BURST;
        private long last;

        Bucket(long now) {
            this.last = now;
        }

        synchronized OptionalLong take(long now) {
            tokens = Math.min(BURST, tokens + Math.max(0, now - last) / NANOS_PER_TOKEN);
            last = now;
            if (tokens >= 1) {
                tokens -= 1;
                return OptionalLong.empty();
            }
            long waitNanos = (long) Math.ceil((1 - tokens) * NANOS_PER_TOKEN);
            return OptionalLong.of(Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L));
        }
    }
}
