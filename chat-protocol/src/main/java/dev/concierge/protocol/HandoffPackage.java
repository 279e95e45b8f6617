package dev.concierge.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The handoff package: everything an agent needs to answer without asking again.
 * {@code transcript} holds the last events of the conversation (all of them when it is short);
 * {@code transcriptTotal} counts every event up to the package, so when it is larger the
 * client reads the earlier ones with {@code history} (from seq 0) before showing the chat.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record HandoffPackage(
        String conversationId,
        HandoffReason reason,
        String question,
        VisitorInfo visitor,
        VisitorContext context,
        List<TranscriptEvent> transcript,
        List<EarlierConversation> earlierConversations,
        long waitedMs,
        String department,
        AgentInfo transferredFrom,
        String transferNote,
        Integer transcriptTotal) {
    public HandoffPackage {
        transcript = transcript == null ? List.of() : List.copyOf(transcript);
        earlierConversations = earlierConversations == null ? List.of() : List.copyOf(earlierConversations);
        if (transcriptTotal != null && transcriptTotal < transcript.size()) {
            throw new IllegalArgumentException("transcriptTotal must not be less than the events in transcript");
        }
    }

    /** A package whose transcript is whole. */
    public HandoffPackage(
            String conversationId,
            HandoffReason reason,
            String question,
            VisitorInfo visitor,
            VisitorContext context,
            List<TranscriptEvent> transcript,
            List<EarlierConversation> earlierConversations,
            long waitedMs,
            String department,
            AgentInfo transferredFrom,
            String transferNote) {
        this(
                conversationId,
                reason,
                question,
                visitor,
                context,
                transcript,
                earlierConversations,
                waitedMs,
                department,
                transferredFrom,
                transferNote,
                null);
    }

    /** Whether {@code transcript} is the whole transcript up to the package. */
    public boolean complete() {
        return transcriptTotal == null || transcriptTotal <= transcript.size();
    }

    /** This package with {@code events} as its (whole) transcript. */
    public HandoffPackage withTranscript(List<TranscriptEvent> events) {
        return new HandoffPackage(
                conversationId,
                reason,
                question,
                visitor,
                context,
                events,
                earlierConversations,
                waitedMs,
                department,
                transferredFrom,
                transferNote,
                events == null ? 0 : events.size());
    }

    /** A package that is no transfer and names no department. */
    public HandoffPackage(
            String conversationId,
            HandoffReason reason,
            String question,
            VisitorInfo visitor,
            VisitorContext context,
            List<TranscriptEvent> transcript,
            List<EarlierConversation> earlierConversations,
            long waitedMs) {
        this(
                conversationId,
                reason,
                question,
                visitor,
                context,
                transcript,
                earlierConversations,
                waitedMs,
                null,
                null,
                null);
    }
}
