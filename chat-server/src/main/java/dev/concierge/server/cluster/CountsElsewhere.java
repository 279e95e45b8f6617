package dev.concierge.server.cluster;

import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The connections other nodes hold per client address, as last heard from each: changes
 * ({@link #changed}) between full snapshots ({@link #snapshot}), each snapshot replacing all
 * that was known of its node. A node not heard of for {@code forgetAfter} (it crashed, or left
 * NATS, which closes its sockets) counts for nothing. Bounded: a node's entries are capped at
 * {@code mostPerNode}; a change for one more address is dropped until the next snapshot.
 */
final class CountsElsewhere {
    private final Duration forgetAfter;
    private final int mostPerNode;
    private final LongSupplier nanoTime;
    private final Map<String, Node> nodes = new HashMap<>();

    /** What is known of one node's connections. */
    private static final class Node {
        Map<InetAddress, Integer> open = new HashMap<>();
        long heardAt;
    }

    CountsElsewhere(Duration forgetAfter, int mostPerNode, LongSupplier nanoTime) {
        this.forgetAfter = forgetAfter;
        this.mostPerNode = mostPerNode;
        this.nanoTime = nanoTime;
    }

    /** {@code node} opened ({@code +1}) or closed ({@code -1}) a connection from {@code address}. */
    synchronized void changed(String node, InetAddress address, int change) {
        Node n = heard(node);
        Integer now = n.open.get(address);
        int count = (now == null ? 0 : now) + change;
        if (count <= 0) {
            n.open.remove(address); // a close whose open was lost, or dropped by a snapshot
        } else if (now != null || n.open.size() < mostPerNode) {
            n.open.put(address, count);
        }
    }

    /** Everything {@code node} holds now (the addresses it lists; any other, none). */
    synchronized void snapshot(String node, Map<InetAddress, Integer> open) {
        Node n = heard(node);
        n.open = new HashMap<>();
        for (Map.Entry<InetAddress, Integer> e : open.entrySet()) {
            if (e.getValue() > 0 && n.open.size() < mostPerNode) {
                n.open.put(e.getKey(), e.getValue());
            }
        }
    }

    /** The connections from {@code address} open on the nodes heard of recently. */
    synchronized int open(InetAddress address) {
        forgetSilent();
        int sum = 0;
        for (Node n : nodes.values()) {
            sum += n.open.getOrDefault(address, 0);
        }
        return sum;
    }

    /** How many nodes are counted (heard of recently). */
    synchronized int nodes() {
        forgetSilent();
        return nodes.size();
    }

    private Node heard(String node) {
        Node n = nodes.computeIfAbsent(node, k -> new Node());
        n.heardAt = nanoTime.getAsLong();
        return n;
    }

    private void forgetSilent() {
        long now = nanoTime.getAsLong();
        for (Iterator<Node> it = nodes.values().iterator(); it.hasNext(); ) {
            if (now - it.next().heardAt > forgetAfter.toNanos()) {
                it.remove();
            }
        }
    }
}
