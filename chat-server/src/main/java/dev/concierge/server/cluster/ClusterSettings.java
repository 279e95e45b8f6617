package dev.concierge.server.cluster;

import dev.concierge.server.support.Patterns;
import java.time.Duration;
import java.util.Objects;

/**
 * How a node joins a cluster (docs/scaling.md): the NATS server, this node's id, and the timings
 * of the decider's lease and of the heartbeats.
 *
 * @param natsUrl the NATS server, {@code nats://host:port}
 * @param nodeId this node's id, unique in the cluster; named in every {@code welcome}
 * @param leaseTtl how long the decider's lease lasts without a renewal: a dead decider is
 *     replaced after at most this long (plus one {@code beatEvery})
 * @param beatEvery how often the decider renews its lease and every node says it is alive
 */
public record ClusterSettings(String natsUrl, String nodeId, Duration leaseTtl, Duration beatEvery) {
    /** The lease's name in the {@code cluster_leases} table. */
    public static final String LEASE = "decider";

    /** Checks the values. */
    public ClusterSettings {
        Objects.requireNonNull(natsUrl, "natsUrl");
        Objects.requireNonNull(nodeId, "nodeId");
        if (!Patterns.ID.matcher(nodeId).matches()) {
            throw new IllegalArgumentException("nodeId must be 1-64 letters, digits, '-' or '_', was " + nodeId);
        }
        if (leaseTtl.compareTo(beatEvery.multipliedBy(3)) < 0) {
            throw new IllegalArgumentException("leaseTtl must be at least 3 beats, was " + leaseTtl);
        }
    }

    /** A lease of 3 s renewed every 500 ms: a dead decider is replaced within about 3.5 s. */
    public static ClusterSettings of(String natsUrl, String nodeId) {
        return new ClusterSettings(natsUrl, nodeId, Duration.ofSeconds(3), Duration.ofMillis(500));
    }

    /**
     * How long a node may go unheard before the decider forgets its sockets: twice the time after
     * which a node that notices it was paused closes them itself, so that the node closes first.
     */
    Duration silenceLimit() {
        return leaseTtl.multipliedBy(2);
    }
}
