package dev.concierge.bot;

import java.util.stream.Collectors;

/**
 * Everything one version of the knowledge base needs to answer: the index and the calibrated
 * confidence. Immutable; a reload builds a new one and swaps it in atomically, so a question is
 * always answered entirely by one version.
 */
record Snapshot(KnowledgeBase kb, FaqIndex index, Confidence confidence) {

    static Snapshot build(KnowledgeBase kb, Analysis analysis, Settings settings) {
        if (analysis.semantics() != null) {
            // After a reload, the vectors of phrasings that are gone are dropped.
            analysis.semantics()
                    .retainOnly(kb.entries().stream()
                            .flatMap(e -> e.questions().stream())
                            .collect(Collectors.toSet()));
        }
        FaqIndex index = new FaqIndex(kb, analysis, settings.tuning());
        Confidence confidence =
                Calibrator.calibrate(kb, analysis, settings.tuning(), settings.targetPrecision(), settings.seed());
        if (settings.threshold() >= 0) {
            confidence = confidence.withThreshold(settings.threshold());
        }
        return new Snapshot(kb, index, confidence);
    }

    /**
     * What stays the same across reloads.
     *
     * @param threshold a fixed threshold, or negative to use the calibrated one
     */
    record Settings(Tuning tuning, double threshold, double targetPrecision, long seed) {}
}
