package dev.concierge.bot;

import java.util.ArrayList;
import java.util.List;

/** Builds the suggestion lists of replies. */
final class Replies {

    private static final int SUGGESTIONS = 3;

    private Replies() {}

    /** Up to three "did you mean" candidates, best first, each with its own confidence. */
    static List<Suggestion> suggestions(Snapshot s, List<FaqIndex.Scored> ranking) {
        List<Suggestion> out = new ArrayList<>();
        for (int i = 0; i < Math.min(SUGGESTIONS, ranking.size()); i++) {
            FaqEntry e = s.kb().entries().get(ranking.get(i).entry());
            out.add(new Suggestion(e.id(), e.title(), s.confidence().ofCandidate(ranking, i)));
        }
        return out;
    }

    /** An entry's follow-ups, as suggestions with confidence 0 (they are not scored). */
    static List<Suggestion> followUps(KnowledgeBase kb, FaqEntry entry) {
        List<Suggestion> out = new ArrayList<>();
        for (String id : entry.followUps()) {
            kb.entry(id).ifPresent(f -> out.add(new Suggestion(f.id(), f.title(), 0)));
        }
        return out;
    }
}
