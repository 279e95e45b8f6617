package dev.concierge.store;

import java.util.Objects;

/**
 * The lease a store's writes are fenced by: every write transaction of a store opened with it
 * first reads the lease's row in {@code cluster_leases} with {@code FOR SHARE} and commits only
 * while the row still carries {@code token}. Taking the lease over changes the token and waits
 * for transactions holding the row, so once another node holds the lease no write of this store
 * can commit (see {@link DeciderLease}).
 *
 * @param lease the lease's name
 * @param token the fencing token this store's writes were made under
 */
public record Fencing(String lease, long token) {
    /** Checks the name. */
    public Fencing {
        Objects.requireNonNull(lease, "lease");
    }
}
