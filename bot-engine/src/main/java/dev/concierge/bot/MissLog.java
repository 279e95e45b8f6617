package dev.concierge.bot;

import java.util.ArrayDeque;
import java.util.List;

/** The most recent misses, oldest dropped first when full. Thread-safe. */
final class MissLog {

    private final int capacity;
    private final ArrayDeque<Miss> misses = new ArrayDeque<>();

    MissLog(int capacity) {
        this.capacity = capacity;
    }

    synchronized void record(Miss miss) {
        if (capacity == 0) {
            return;
        }
        if (misses.size() == capacity) {
            misses.removeFirst();
        }
        misses.addLast(miss);
    }

    /** A copy, newest last. */
    synchronized List<Miss> snapshot() {
        return List.copyOf(misses);
    }
}
