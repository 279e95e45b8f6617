package dev.concierge.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.server.testing.ClusterNodes;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A rolling restart of the same release under traffic: each node in turn gets SIGTERM, commits
 * what it was given, closes its sockets with 1001 (the decider first releases its lease, so
 * another node takes over at once), and starts again; its clients move to the other nodes and
 * back. Nothing acknowledged is lost or doubled, the agent keeps its conversations, the queue its
 * order.
 */
final class ClusterRollingRestartTest {

    /** Whether the lease moved on from {@code token} or, still under it, has already expired. */
    private static boolean released(ClusterNodes cluster, long token) throws java.sql.SQLException {
        try (var c = cluster.schema().connect();
                var s = c.createStatement();
                var rs = s.executeQuery("SELECT token, expires_at < clock_timestamp() FROM cluster_leases")) {
            rs.next();
            return rs.getLong(1) > token || rs.getBoolean(2);
        }
    }

    @Test
    void restartingEveryNodeInTurn_underTraffic_losesNothing() throws Exception {
        try (ClusterNodes cluster = ClusterNodes.start(3)) {
            int decider = ClusterFixture.decider(cluster);
            int other = decider % 3 + 1;
            int third = other % 3 + 1;
            ClusterBurst burst = ClusterBurst.start(cluster, decider, other, third, Duration.ofMillis(150));
            for (int node : new int[] {decider, other, third}) {
                long before = ClusterFixture.lease(cluster).orElseThrow().token();
                long stopping = System.nanoTime();
                assertThat(cluster.node(node).terminate())
                        .as("%s exits cleanly on SIGTERM", cluster.nodeId(node))
                        .isIn(0, 143);
                System.out.printf(
                        "rolling restart: %s stopped in %d ms%n",
                        cluster.nodeId(node), (System.nanoTime() - stopping) / 1_000_000);
                if (node == decider) {
                    assertThat(released(cluster, before))
                            .as("the decider released its lease on the way out (or another node already took it)")
                            .isTrue();
                }
                cluster.restart(node);
                cluster.awaitReady();
            }
            burst.finishAndCheck(cluster);
        }
    }
}
