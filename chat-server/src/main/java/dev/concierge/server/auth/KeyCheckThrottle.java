package dev.concierge.server.auth;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;

/**
 * Failed API key checks, throttled per client address (docs/integrations.md, "Keys"), so that
 * well-formed keys with random ids cannot fill the lane that reads keys from the store. A check
 * that cannot be answered from the key cache is admitted here first, on the event loop, before it
 * takes a turn on the lane: each address may fail {@link #PER_ADDRESS} checks at once, then one
 * more every {@link #REFILL_EVERY}; a check that finds a valid key ({@link #passed}) or is not
 * made ({@link LoginThrottle.Attempt#cancelled}) does not count. Over all addresses at most {@link
 * #ALL_ADDRESSES} failures are let through at once; past that only addresses without a recent
 * failure are. A check answered from memory (a cached key, or an id cached as unknown) costs no
 * store read and is never held back.
 *
 * <p>The buckets are the sign-in throttle's ({@link LoginThrottle}), all checks counting as
 * attempts on one name: bounded caches, so that a flood from many addresses cannot exhaust memory.
 */
final class KeyCheckThrottle {
    /** Failed checks one address may make at once. */
    static final int PER_ADDRESS = ApiKeys.FAILED_CHECKS_PER_ADDRESS;

    /** Failed checks all addresses together may make at once. */
    static final int ALL_ADDRESSES = 1000;

    /** How long until one more failed check is allowed. */
    static final Duration REFILL_EVERY = ApiKeys.FAILED_CHECK_REFILL;

    /** The one name every check is counted on (no username is empty). */
    private static final String KEY_CHECKS = "";

    private final LoginThrottle attempts;

    /** A throttle on {@code ticker}'s time. */
    KeyCheckThrottle(Ticker ticker) {
        this.attempts = new LoginThrottle(
                new LoginThrottle.Limits(PER_ADDRESS, PER_ADDRESS, ALL_ADDRESSES, REFILL_EVERY), ticker);
    }

    /**
     * Admits a key check from {@code address} that needs the store, or says how long to wait.
     * Cheap: call it on the event loop.
     */
    LoginThrottle.Result admit(String address) {
        return attempts.admit(KEY_CHECKS, address);
    }

    /** The admitted check found a valid key: it does not count. */
    void passed(LoginThrottle.Attempt check) {
        check.succeeded();
    }
}
