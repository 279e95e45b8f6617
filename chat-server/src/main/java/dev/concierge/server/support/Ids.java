package dev.concierge.server.support;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.random.RandomGenerator;

/** Makes ids and tokens. Tokens are 256 random bits; ids 96 bits, so neither can be guessed. */
public final class Ids {
    private final RandomGenerator random;

    private Ids(RandomGenerator random) {
        this.random = random;
    }

    /** Ids from a strong random source. */
    public static Ids secure() {
        return new Ids(new SecureRandom());
    }

    public String conversationId() {
        return "c_" + randomString(12);
    }

    public String visitorId() {
        return "v_" + randomString(12);
    }

    public String visitorToken() {
        return "vt_" + randomString(32);
    }

    public String sessionToken() {
        return "st_" + randomString(32);
    }

    /** A webhook event's id (its {@code webhook-id} header): {@code evt_} and 128 random bits. */
    public String webhookEventId() {
        return "evt_" + randomString(16);
    }

    private String randomString(int bytes) {
        byte[] b = new byte[bytes];
        synchronized (this) {
            random.nextBytes(b);
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
