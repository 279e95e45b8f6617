package dev.concierge.bench;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One conversation's two ends and its one message in flight. Message ids are
 * {@code v<index>-<n>} and {@code a<index>-<n>}, so an error's {@code ref} names the
 * conversation.
 */
final class RelayConversation {
    volatile WsConnection visitor;
    volatile WsConnection agent;
    volatile long sentAt;
    volatile String inFlight;
    volatile int refusals;
    /**
     * The highest message number acknowledged to each side, and how many were: ids are
     * {@code v<index>-<n>} and {@code a<index>-<n>} with one counter for both sides, and with
     * one message in flight everything sent up to the highest acknowledged one was stored.
     * Each side's acknowledgements arrive on its socket's event loop, the only writer.
     */
    volatile long ackedV;

    volatile long ackedA;
    volatile long ackCountV;
    volatile long ackCountA;
    final AtomicLong next = new AtomicLong();
    final AtomicInteger sides = new AtomicInteger();
    final String id;
    final int index;

    RelayConversation(String id, int index) {
        this.id = id;
        this.index = index;
    }

    /** Sends the next message from one side and remembers it until it arrives. */
    void send(WsConnection from, char side) {
        refusals = 0;
        inFlight = "{\"type\":\"message\",\"id\":\"" + side + index + "-" + next.incrementAndGet()
                + "\",\"conversationId\":\"" + id + "\",\"text\":\"" + RelayPhase.TEXT + "\"}";
        from.send(inFlight);
    }

    /**
     * Every acknowledged message, looked up in the store. The acknowledgements are read first, the
     * store after: what was acknowledged had been committed before, so it must be there (messages
     * still in flight are acknowledged meanwhile, and are not counted).
     */
    static RelayPhase.Acks acks(Postgres.Schema schema, List<RelayConversation> live) {
        long acked = 0;
        long stored = 0;
        long[][] seen = new long[live.size()][];
        for (int i = 0; i < live.size(); i++) {
            RelayConversation c = live.get(i);
            seen[i] = new long[] {c.ackCountV, c.ackCountA, c.ackedV, c.ackedA}; // counts first: acked() sets them last
        }
        Map<String, Set<String>> ids = schema.storedMessageIds();
        long lost = 0;
        for (int i = 0; i < live.size(); i++) {
            RelayConversation c = live.get(i);
            long countV = seen[i][0];
            long countA = seen[i][1];
            long maxV = seen[i][2];
            long maxA = seen[i][3];
            long[] found = new long[2]; // stored messages of each side up to its highest acknowledged one
            for (String id : ids.getOrDefault(c.id, Set.of())) {
                int dash = id.indexOf('-');
                char side = id.charAt(0);
                if (dash > 1
                        && (side == 'v' || side == 'a')
                        && id.substring(1, dash).equals(Integer.toString(c.index))) {
                    long k = Long.parseLong(id, dash + 1, id.length(), 10);
                    if (k <= (side == 'v' ? maxV : maxA)) {
                        found[side == 'v' ? 0 : 1]++;
                    }
                }
            }
            acked += countV + countA;
            stored += Math.min(found[0], countV) + Math.min(found[1], countA);
            lost += Math.max(0, countV - found[0]) + Math.max(0, countA - found[1]);
        }
        return new RelayPhase.Acks(acked, stored, lost);
    }

    /** Records that message {@code id} ({@code <side><index>-<n>}) of {@code c} was acknowledged to its sender. */
    static void acked(RelayConversation c, String id, char side) {
        int dash = id == null ? -1 : id.indexOf('-');
        if (c == null || dash < 0 || id.charAt(0) != side) {
            return;
        }
        long n = Long.parseLong(id, dash + 1, id.length(), 10);
        if (side == 'v' && n > c.ackedV) { // protocol 1 acknowledges twice: the ack and the own event
            c.ackedV = n;
            c.ackCountV++;
        } else if (side == 'a' && n > c.ackedA) {
            c.ackedA = n;
            c.ackCountA++;
        }
    }
}
