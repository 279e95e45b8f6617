package dev.concierge.server.insights;

import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.TranscriptEvent.Kind;
import dev.concierge.store.ConversationMetrics;
import dev.concierge.store.ConversationTranscript;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A visitor's question the bot could not answer, or answered with low confidence, read from a
 * stored transcript: the visitor message before a bot turn that missed.
 *
 * @param conversationId where it was asked
 * @param at when it was asked
 * @param text the visitor's words, verbatim
 * @param confidence the bot's confidence in its best candidate
 * @param lowConfidence true when the bot did answer, with entry {@code entryId}, but barely
 * @param entryId the entry of a low-confidence answer, or null
 */
record MissedQuestion(
        String conversationId, Instant at, String text, double confidence, boolean lowConfidence, String entryId) {

    /**
     * The misses of one transcript: bot turns that did not answer (replies to requests for a
     * person excluded) and answers below {@code lowConfidenceBelow}, each with the visitor
     * message just before it.
     */
    static List<MissedQuestion> in(ConversationTranscript t, double lowConfidenceBelow) {
        List<TranscriptEvent> events = t.events();
        List<MissedQuestion> out = new ArrayList<>();
        TranscriptEvent lastVisitor = null;
        for (int i = 0; i < events.size(); i++) {
            TranscriptEvent e = events.get(i);
            if (e.kind() == Kind.MESSAGE && e.author() != null && e.author().role() == Role.VISITOR) {
                lastVisitor = e;
            } else if (e.kind() == Kind.BOT && e.bot() != null && lastVisitor != null && lastVisitor.text() != null) {
                boolean low = e.bot().answered()
                        && e.bot().entryId() != null
                        && e.bot().confidence() < lowConfidenceBelow;
                if (low || ConversationMetrics.isMiss(events, i)) {
                    out.add(new MissedQuestion(
                            t.conversation().id(),
                            lastVisitor.ts(),
                            lastVisitor.text(),
                            e.bot().confidence(),
                            low,
                            low ? e.bot().entryId() : null));
                }
                lastVisitor = null; // one bot turn per question
            }
        }
        return out;
    }
}
