package dev.concierge.client;

import dev.concierge.protocol.QueueEntry;
import java.util.List;

/**
 * One page of the queue as agents see it: live visitors first, then follow-ups.
 *
 * @param entries at most 50 entries from {@code offset}
 * @param offset the position of the first entry in the whole queue
 * @param total how many entries the whole queue has
 * @param waiting how many of them are live visitors (the rest are follow-ups)
 */
public record QueuePage(List<QueueEntry> entries, int offset, int total, int waiting) {
    /**
     * Copies the entries.
     *
     * @param entries the page's entries
     * @param offset the position of the first entry in the whole queue
     * @param total how many entries the whole queue has
     * @param waiting how many of them are live visitors
     * @throws NullPointerException when {@code entries} or one of them is null
     */
    public QueuePage {
        entries = List.copyOf(entries);
    }
}
