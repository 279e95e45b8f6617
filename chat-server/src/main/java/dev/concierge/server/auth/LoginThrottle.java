package dev.concierge.server.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Sign-in attempts, throttled with token buckets that refill one attempt every
 * {@code refillEvery}:
 * <ul>
 * <li>per username and address ({@code perUserAndAddress}): one guesser on one account;</li>
 * <li>per address ({@code perAddress}): one guesser spraying many usernames;</li>
 * <li>per username ({@code perUser}), across addresses: many addresses guessing one account.
 * When it is empty, only addresses that have no recent failed attempt on that username are
 * let through. So a flood from a botnet never locks the real agent out: the right password from
 * an address without failures still signs in (every address of the botnet gets at most its
 * first attempt through, then is held back by its own buckets).</li>
 * </ul>
 * An attempt takes a token from each bucket when it is admitted (before the slow password
 * check, so that pipelined attempts cannot all pass before the first failure is counted); a
 * successful sign-in gives them back and refills its username-and-address bucket. Known and
 * unknown usernames are throttled alike, so a 429 tells nothing about which exist. The buckets
 * are in Caffeine caches of bounded size: spraying usernames or addresses cannot exhaust memory
 * (a bucket left alone long enough to be full again is dropped, which loses nothing).
 *
 * <p>On a cluster node the other nodes' attempts count here too ({@link #share}, {@link
 * #fromElsewhere}): each admitted attempt takes its tokens on every node, and a success or a
 * cancelled attempt gives them back on every node, so that attempts spread over several nodes get
 * no more through than against one. An attempt charged from elsewhere may take a bucket below
 * zero (down to minus its size): attempts raced at several nodes at once, before each heard of
 * the others, are paid back by a longer wait.
 */
public final class LoginThrottle {
    private static final long MAX_KEYS = 50_000;

    /**
     * How many attempts each bucket holds, and how often one comes back.
     *
     * @param perUserAndAddress failed attempts one address may make on one username
     * @param perAddress failed attempts one address may make on any usernames
     * @param perUser failed attempts on one username from any addresses
     * @param refillEvery how long until one more attempt is allowed in each bucket
     */
    public record Limits(int perUserAndAddress, int perAddress, int perUser, Duration refillEvery) {
        /** The defaults: 5 per account and address, 20 per address, 20 per account, one more a minute. */
        public static Limits defaults() {
            return new Limits(5, 20, 20, Duration.ofMinutes(1));
        }
    }

    /** An admitted attempt: report its outcome with {@link #succeeded} or {@link #cancelled}. */
    public final class Attempt {
        private final String pairKey;
        private final String address;
        private final String username;
        private final boolean tookUser;

        private Attempt(String pairKey, String address, String username, boolean tookUser) {
            this.pairKey = pairKey;
            this.address = address;
            this.username = username;
            this.tookUser = tookUser;
        }

        /** The password was right: the attempt does not count, and the account-and-address bucket is full again. */
        void succeeded() {
            giveBack(pairKey, address, username, tookUser, true);
            others.returned(username, address, tookUser, true);
        }

        /** The attempt was not made (the server was too busy): it does not count. */
        public void cancelled() {
            giveBack(pairKey, address, username, tookUser, false);
            others.returned(username, address, tookUser, false);
        }
    }

    /**
     * Attempts passed between the throttles of a cluster's nodes: what this node tells the others
     * ({@link #share}), and what it applies from them ({@link #fromElsewhere}).
     */
    public interface Charges {
        /** Nothing to tell: a single server. */
        Charges NONE = new Charges() {
            @Override
            public void taken(String username, String address, boolean perUser) {}

            @Override
            public void returned(String username, String address, boolean perUser, boolean signedIn) {}
        };

        /**
         * An attempt was admitted: it took a token for its username and address and for its
         * address, and for its username when {@code perUser}.
         */
        void taken(String username, String address, boolean perUser);

        /**
         * An attempt given back: it signed in ({@code signedIn}: its username-and-address bucket is
         * full again), or it was not made.
         */
        void returned(String username, String address, boolean perUser, boolean signedIn);
    }

    private final Limits limits;
    private final Ticker ticker;
    private final long refillNanos;
    private final Cache<String, Bucket> pairs;
    private final Cache<String, Bucket> addresses;
    private final Cache<String, Bucket> users;
    private volatile Charges others = Charges.NONE;

    LoginThrottle(Limits limits, Ticker ticker) {
        this.limits = limits;
        this.ticker = ticker;
        this.refillNanos = limits.refillEvery().toNanos();
        this.pairs = cache(limits.perUserAndAddress());
        this.addresses = cache(limits.perAddress());
        this.users = cache(limits.perUser());
    }

    private Cache<String, Bucket> cache(int size) {
        // Untouched for as long as it takes to refill completely, a bucket is full: forget it.
        // Charges from other nodes may take it down to minus its size: twice the refill time.
        return Caffeine.newBuilder()
                .maximumSize(MAX_KEYS)
                .ticker(ticker)
                .executor(Runnable::run)
                .expireAfterAccess(limits.refillEvery().multipliedBy(2L * size))
                .build();
    }

    /** Tells {@code others} of every attempt admitted here, and of every one given back, from now on. */
    public void share(Charges others) {
        this.others = Objects.requireNonNull(others, "others");
    }

    /** Applies here the attempts other nodes admitted and gave back (see {@link #share}). */
    public Charges fromElsewhere() {
        return new Charges() {
            @Override
            public void taken(String username, String address, boolean perUser) {
                long now = ticker.read();
                pairs.get(pairKey(username, address), k -> new Bucket(limits.perUserAndAddress(), now))
                        .charge(now);
                addresses
                        .get(address, k -> new Bucket(limits.perAddress(), now))
                        .charge(now);
                if (perUser) {
                    users.get(username, k -> new Bucket(limits.perUser(), now)).charge(now);
                }
            }

            @Override
            public void returned(String username, String address, boolean perUser, boolean signedIn) {
                giveBack(pairKey(username, address), address, username, perUser, signedIn);
            }
        };
    }

    /** The buckets held now, in all three caches (for tests). */
    long keys() {
        pairs.cleanUp();
        addresses.cleanUp();
        users.cleanUp();
        return pairs.estimatedSize() + addresses.estimatedSize() + users.estimatedSize();
    }

    private static String pairKey(String username, String address) {
        return username + '\u0000' + address;
    }

    private void giveBack(String pairKey, String address, String username, boolean tookUser, boolean signedIn) {
        long now = ticker.read();
        if (signedIn) {
            pairs.invalidate(pairKey);
        }
        for (Bucket b : new Bucket[] {
            signedIn ? null : pairs.getIfPresent(pairKey),
            addresses.getIfPresent(address),
            tookUser ? users.getIfPresent(username) : null
        }) {
            if (b != null) {
                b.giveBack(now);
            }
        }
    }

    /**
     * Admits an attempt to sign in as {@code username} from {@code address}, or says how long to
     * wait before the next one.
     */
    Result admit(String username, String address) {
        long now = ticker.read();
        String pairKey = pairKey(username, address);
        Bucket pair = pairs.get(pairKey, k -> new Bucket(limits.perUserAndAddress(), now));
        Bucket byAddress = addresses.get(address, k -> new Bucket(limits.perAddress(), now));
        Bucket byUser = users.get(username, k -> new Bucket(limits.perUser(), now));
        boolean clean = pair.isFull(now);
        long wait = pair.take(now);
        if (wait > 0) {
            return new Result(Optional.empty(), Duration.ofNanos(wait));
        }
        wait = byAddress.take(now);
        if (wait > 0) {
            pair.giveBack(now);
            return new Result(Optional.empty(), Duration.ofNanos(wait));
        }
        long userWait = byUser.take(now);
        if (userWait > 0 && !clean) {
            pair.giveBack(now);
            byAddress.giveBack(now);
            return new Result(Optional.empty(), Duration.ofNanos(userWait));
        }
        others.taken(username, address, userWait == 0);
        return new Result(Optional.of(new Attempt(pairKey, address, username, userWait == 0)), Duration.ZERO);
    }

    /** An admitted attempt, or how long to wait. */
    public record Result(Optional<Attempt> attempt, Duration retryAfter) {
        /** {@link #retryAfter} in whole seconds, at least 1, for the Retry-After header. */
        public long retryAfterSeconds() {
            return Math.max(1, (retryAfter.toMillis() + 999) / 1000);
        }
    }

    /** Attempts left in one bucket; refills continuously. */
    private final class Bucket {
        private final int size;
        private double tokens;
        private long refilledAt;

        Bucket(int size, long now) {
            this.size = size;
            this.tokens = size;
            this.refilledAt = now;
        }

        private void refill(long now) {
            tokens = Math.min(size, tokens + (double) (now - refilledAt) / refillNanos);
            refilledAt = now;
        }

        synchronized boolean isFull(long now) {
            refill(now);
            return tokens >= size;
        }

        /** Takes an attempt: 0, or the nanoseconds until one is available (nothing taken). */
        synchronized long take(long now) {
            refill(now);
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return Math.max(1, (long) Math.ceil((1 - tokens) * refillNanos));
        }

        /** Takes an attempt made on another node, even when empty: down to minus its size. */
        synchronized void charge(long now) {
            refill(now);
            tokens = Math.max(-size, tokens - 1);
        }

        synchronized void giveBack(long now) {
            refill(now);
            tokens = Math.min(size, tokens + 1);
        }
    }
}
