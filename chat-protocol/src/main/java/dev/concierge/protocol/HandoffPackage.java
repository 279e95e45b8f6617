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
    /**
     * Copies the lists.
     *
     * @param conversationId the conversation handed over
     * @param reason why it went to a person
     * @param question the visitor's question that led to the handoff
     * @param visitor who the visitor is
     * @param context the visitor's context: page, language, attributes
     * @param transcript the last events up to the handoff (none when null)
     * @param earlierConversations the visitor's earlier conversations (none when null)
     * @param waitedMs how long the visitor waited, in milliseconds
     * @param department the department it waits for; null for none
     * @param transferredFrom the agent who transferred it; null when it is no transfer
     * @param transferNote the transferring agent's note; null for none
     * @param transcriptTotal how many events there are up to the package; null when
     *     {@code transcript} holds them all
     * @throws IllegalArgumentException if {@code transcriptTotal} is less than the events in
     *     {@code transcript}
     */
    public HandoffPackage {
        transcript = transcript == null ? List.of() : List.copyOf(transcript);
        earlierConversations = earlierConversations == null ? List.of() : List.copyOf(earlierConversations);
        if (transcriptTotal != null && transcriptTotal < transcript.size()) {
            throw new IllegalArgumentException("transcriptTotal must not be less than the events in transcript");
        }
    }

    /**
     * A package whose transcript is whole.
     *
     * @param conversationId the conversation handed over
     * @param reason why it went to a person
     * @param question the visitor's question that led to the handoff
     * @param visitor who the visitor is
     * @param context the visitor's context: page, language, attributes
     * @param transcript the conversation's events up to the handoff (none when null)
     * @param earlierConversations the visitor's earlier conversations (none when null)
     * @param waitedMs how long the visitor waited, in milliseconds
     * @param department the department it waits for; null for none
     * @param transferredFrom the agent who transferred it; null when it is no transfer
     * @param transferNote the transferring agent's note; null for none
     */
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

    /**
     * Whether {@code transcript} is the whole transcript up to the package.
     *
     * @return true when no earlier events need to be read with {@code history}
     */
    public boolean complete() {
        return transcriptTotal == null || transcriptTotal <= transcript.size();
    }

    /**
     * This package with another transcript, taken as whole.
     *
     * @param events the whole transcript up to the package
     * @return a copy with {@code events} as its transcript
     */
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

    /**
     * A package that is no transfer and names no department.
     *
     * @param conversationId the conversation handed over
     * @param reason why it went to a person
     * @param question the visitor's question that led to the handoff
     * @param visitor who the visitor is
     * @param context the visitor's context: page, language, attributes
     * @param transcript the conversation's events up to the handoff (none when null)
     * @param earlierConversations the visitor's earlier conversations (none when null)
     * @param waitedMs how long the visitor waited, in milliseconds
     */
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
