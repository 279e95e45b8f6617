package dev.concierge.bot;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How {@link FaqBot} turns one question into a reply over one knowledge base version: blank
 * input and small talk first, then the ranking, the confidence against the threshold, and the
 * misses it records (no answer, or an answer only just above the threshold).
 *
 * <p>{@code FaqBot} owns the public API, the builder and the versions it swaps in on a reload;
 * this class owns the decision, so the rule for when the bot answers is read in one place.
 */
final class Answering {
    private static final int CANDIDATES = 4;

    private final Chitchat chitchat;
    private final MissLog misses;
    private final Clock clock;
    private final double lowConfidenceMargin;

    Answering(KnowledgeBase kb, int maxMisses, Clock clock, double lowConfidenceMargin) {
        this.chitchat = new Chitchat(languages(kb));
        this.misses = new MissLog(maxMisses);
        this.clock = clock;
        this.lowConfidenceMargin = lowConfidenceMargin;
    }

    /** The reply to {@code question} from the version {@code s}; see {@link FaqBot#answer}. */
    BotReply answer(Snapshot s, String question) {
        Lexicon lexicon = Lexicon.of(s.kb().language());
        if (question.isBlank()) {
            return new BotReply(BotReply.Kind.NOT_SURE, lexicon.notSureReply(), Optional.empty(), 0, List.of());
        }
        Optional<Chitchat.Recognised> chat = chitchat.recognise(question);
        if (chat.isPresent()) {
            return new BotReply(chat.get().kind(), chat.get().reply(), Optional.empty(), 1.0, List.of());
        }
        List<FaqIndex.Scored> ranking = s.index().rank(question, CANDIDATES);
        double confidence = ranking.isEmpty() ? 0 : s.confidence().of(ranking);
        List<Suggestion> candidates = Replies.suggestions(s, ranking);
        if (!ranking.isEmpty() && confidence >= s.confidence().threshold()) {
            if (confidence < s.confidence().threshold() + lowConfidenceMargin) {
                misses.record(new Miss(clock.instant(), question, confidence, candidates));
            }
            FaqEntry entry = s.kb().entries().get(ranking.get(0).entry());
            return new BotReply(
                    BotReply.Kind.ANSWER,
                    entry.answer(),
                    Optional.of(entry.id()),
                    confidence,
                    Replies.followUps(s.kb(), entry));
        }
        misses.record(new Miss(clock.instant(), question, confidence, candidates));
        return new BotReply(BotReply.Kind.NOT_SURE, lexicon.notSureReply(), Optional.empty(), confidence, candidates);
    }

    /** The answer of entry {@code entryId} of {@code kb}, if there is one; see {@link FaqBot#answerEntry}. */
    static Optional<BotReply> answerEntry(KnowledgeBase kb, String entryId) {
        return kb.entry(entryId)
                .map(e -> new BotReply(
                        BotReply.Kind.ANSWER, e.answer(), Optional.of(e.id()), 1.0, Replies.followUps(kb, e)));
    }

    /** The recorded misses, newest last. */
    List<Miss> misses() {
        return misses.snapshot();
    }

    private static List<String> languages(KnowledgeBase kb) {
        List<String> out = new ArrayList<>();
        out.add(kb.language());
        kb.entries().forEach(e -> e.ownLanguage().ifPresent(out::add));
        return out;
    }
}
