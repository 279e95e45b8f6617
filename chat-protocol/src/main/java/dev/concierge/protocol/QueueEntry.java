package dev.concierge.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * A queued conversation as agents see it in the queue. {@code priority} is higher for
 * transfers; {@code followUp} marks a message left while nobody was available (taken by hand);
 * {@code overdue} is true once it waited longer than the configured alert time.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record QueueEntry(
        String conversationId,
        int position,
        VisitorInfo visitor,
        Instant queuedAt,
        HandoffReason reason,
        String preview,
        String department,
        Integer priority,
        Boolean followUp,
        Boolean overdue) {

    /**
     * An entry with no department, priority or flags.
     *
     * @param conversationId the queued conversation
     * @param position its place in the whole queue, from 1
     * @param visitor who is waiting
     * @param queuedAt when it was queued
     * @param reason why it went to a person
     * @param preview the visitor's last message (cut to 200 characters in a queue frame)
     */
    public QueueEntry(
            String conversationId,
            int position,
            VisitorInfo visitor,
            Instant queuedAt,
            HandoffReason reason,
            String preview) {
        this(conversationId, position, visitor, queuedAt, reason, preview, null, null, null, null);
    }
}
