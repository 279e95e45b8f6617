package dev.concierge.bot;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The FAQ bot: answers a visitor's question from a knowledge base when it is confident, and
 * otherwise says it is not sure, offers up to three suggestions and a person.
 *
 * <pre>{@code
 * try (FaqBot bot = FaqBot.load(Path.of("shop-faq.json"))) {
 *     BotReply reply = bot.answer("Where is my order?");
 *     if (reply.answered()) {
 *         System.out.println(reply.text());
 *     }
 * }
 * }</pre>
 *
 * <p>{@link #answer(String)} is thread-safe, CPU-only and never blocks on I/O; run it on an
 * executor of your own, not on an event loop. A reload (see {@link Builder#watch(boolean)} and
 * {@link #reload()}) builds a new immutable index beside the old one and swaps it in atomically:
 * a question in flight finishes on the version it started with.
 */
public final class FaqBot implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FaqBot.class);

    private final AtomicReference<Snapshot> current;
    private final Analysis analysis;
    private final Snapshot.Settings settings;
    private final Answering answering;
    private final Path file;
    private final KnowledgeBaseWatcher watcher;
    private final ReloadListener reloadListener;

    private FaqBot(Builder b) {
        this.file = b.file;
        this.analysis =
                new Analysis(b.synonyms, b.embedder == null ? null : new Semantics(b.embedder, b.semanticWeights));
        this.settings = new Snapshot.Settings(Tuning.DEFAULT, b.threshold, b.targetPrecision, b.seed);
        KnowledgeBase kb = b.file != null ? KnowledgeBaseFile.read(b.file) : validated(b.knowledgeBase);
        this.current = new AtomicReference<>(Snapshot.build(kb, analysis, settings));
        this.answering = new Answering(kb, b.maxMisses, b.clock, b.lowConfidenceMargin);
        this.reloadListener = b.reloadListener;
        this.watcher = b.watch && b.file != null ? new KnowledgeBaseWatcher(b.file, this::reloadQuietly) : null;
    }

    /**
     * Loads a knowledge base file (JSON, format in docs/faq.md), validates and indexes it.
     *
     * @param faqFile the knowledge base file
     * @return a bot over it, calibrated on it, not watching the file
     * @throws BotException naming the file, the entry (index and id) and the field on bad input
     */
    public static FaqBot load(Path faqFile) {
        return builder().file(faqFile).build();
    }

    /**
     * Creates a bot over an in-memory knowledge base.
     *
     * @param kb the knowledge base
     * @return a bot over it
     * @throws BotException naming the entry and the field when the knowledge base is invalid
     */
    public static FaqBot create(KnowledgeBase kb) {
        return builder().knowledgeBase(kb).build();
    }

    /**
     * Starts building a bot.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Answers a visitor's message: a request for a person, small talk, an FAQ answer, or "not
     * sure" with suggestions. A "not sure" and a low-confidence answer are recorded as misses.
     *
     * @param question the visitor's message, verbatim
     * @return the reply, never null
     */
    public BotReply answer(String question) {
        Objects.requireNonNull(question, "question");
        return answering.answer(current.get(), question);
    }

    /**
     * The ids of the best entries for a question, best first, whatever their confidence: what
     * the answer and the "did you mean" suggestions are chosen from. For measuring the matching.
     *
     * @param question the visitor's message
     * @param n        how many at most
     * @return up to {@code n} entry ids, best first
     */
    List<String> candidates(String question, int n) {
        Snapshot s = current.get();
        return s.index().rank(question, n).stream()
                .map(c -> s.kb().entries().get(c.entry()).id())
                .toList();
    }

    /**
     * Answers with one entry, when the visitor picked a "did you mean" suggestion.
     *
     * @param entryId the id of the entry
     * @return the entry's answer with confidence 1.0 and its follow-ups, or empty when there is
     *         no such entry (any more)
     */
    public Optional<BotReply> answerEntry(String entryId) {
        Objects.requireNonNull(entryId, "entryId");
        return Answering.answerEntry(current.get().kb(), entryId);
    }

    /**
     * The knowledge base in use (the latest successfully loaded version).
     *
     * @return the knowledge base
     */
    public KnowledgeBase knowledgeBase() {
        return current.get().kb();
    }

    /**
     * The confidence threshold in use: the one given to the builder, or else the one calibrated
     * on the knowledge base.
     *
     * @return the threshold, in [0, 1]
     */
    public double threshold() {
        return current.get().confidence().threshold();
    }

    /**
     * The recorded misses: questions not answered, and answers given with a confidence just
     * above the threshold; bounded to the most recent ones.
     *
     * @return a copy, newest last
     */
    public List<Miss> misses() {
        return answering.misses();
    }

    /**
     * Re-reads the knowledge base file now and swaps the new version in. On error the bot keeps
     * answering from the old version.
     *
     * @throws BotException when the bot was not loaded from a file, or the file is invalid
     */
    public void reload() {
        if (file == null) {
            throw new BotException("this bot was created from an in-memory knowledge base: nothing to reload");
        }
        Snapshot next = Snapshot.build(KnowledgeBaseFile.read(file), analysis, settings);
        // The old snapshot is not closed: a question may still be running on it. Its in-memory
        // index holds no file handles and is collected with it.
        current.set(next);
        LOG.info(
                "Reloaded {}: {} entries, threshold {}",
                file,
                next.kb().entries().size(),
                String.format("%.3f", next.confidence().threshold()));
    }

    private void reloadQuietly() {
        try {
            reload();
            reloadListener.reloaded(knowledgeBase());
        } catch (BotException e) {
            LOG.warn("Not reloading the knowledge base, keeping the previous version: {}", e.getMessage());
            reloadListener.failed(e);
        }
    }

    /** Stops watching the file and releases the index. */
    @Override
    public void close() {
        if (watcher != null) {
            watcher.close();
        }
        current.get().index().close();
        analysis.close();
    }

    private static KnowledgeBase validated(KnowledgeBase kb) {
        KnowledgeBaseValidator.validate(kb, "in-memory knowledge base");
        return kb;
    }

    /**
     * Builds a {@link FaqBot}. Give exactly one of {@link #file(Path)} and
     * {@link #knowledgeBase(KnowledgeBase)}.
     */
    public static final class Builder {
        private Path file;
        private KnowledgeBase knowledgeBase;
        private Clock clock = Clock.systemUTC();
        private double threshold = -1;
        private double targetPrecision = 0.9;
        private double lowConfidenceMargin = 0.1;
        private boolean watch;
        private int maxMisses = 10_000;
        private long seed = 42;
        private ReloadListener reloadListener = new ReloadListener() {};
        private final Map<String, List<Path>> synonyms = new HashMap<>();
        private Embedder embedder;
        private Semantics.Weights semanticWeights = Semantics.Weights.DEFAULT;

        private Builder() {}

        /**
         * A sentence-embedding model whose similarity is added to the lexical score (see
         * docs/faq.md, "Semantic matching"); used only when it supports the language of every
         * entry. The bot does not close it: one model can serve several bots.
         *
         * @param embedder the model, for instance {@link Embedder#find()}'s
         * @return this builder
         */
        public Builder embedder(Embedder embedder) {
            this.embedder = Objects.requireNonNull(embedder, "embedder");
            return this;
        }

        /** How the semantic score is fused with the lexical one; for measuring alternatives. */
        Builder semanticWeights(Semantics.Weights weights) {
            this.semanticWeights = Objects.requireNonNull(weights, "weights");
            return this;
        }

        /**
         * The knowledge base file to load (and, with {@link #watch(boolean)}, to watch).
         *
         * @param file a JSON knowledge base
         * @return this builder
         */
        public Builder file(Path file) {
            this.file = Objects.requireNonNull(file, "file");
            return this;
        }

        /**
         * An in-memory knowledge base.
         *
         * @param knowledgeBase the knowledge base
         * @return this builder
         */
        public Builder knowledgeBase(KnowledgeBase knowledgeBase) {
            this.knowledgeBase = Objects.requireNonNull(knowledgeBase, "knowledgeBase");
            return this;
        }

        /**
         * The clock that stamps misses.
         *
         * @param clock the clock; the system UTC clock by default
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * A fixed confidence threshold, instead of the one calibrated on the knowledge base.
         *
         * @param threshold in [0, 1]
         * @return this builder
         */
        public Builder threshold(double threshold) {
            if (!(threshold >= 0 && threshold <= 1)) {
                throw new BotException("threshold must be in [0, 1], was " + threshold);
            }
            this.threshold = threshold;
            return this;
        }

        /**
         * The precision the calibrated threshold aims for on held-out phrasings of the knowledge
         * base: higher answers less often and more surely.
         *
         * @param targetPrecision in (0, 1); 0.9 by default
         * @return this builder
         */
        public Builder targetPrecision(double targetPrecision) {
            if (!(targetPrecision > 0 && targetPrecision < 1)) {
                throw new BotException("targetPrecision must be in (0, 1), was " + targetPrecision);
            }
            this.targetPrecision = targetPrecision;
            return this;
        }

        /**
         * How far above the threshold an answer still counts as low-confidence and is recorded
         * as a miss.
         *
         * @param margin in [0, 1]; 0.1 by default
         * @return this builder
         */
        public Builder lowConfidenceMargin(double margin) {
            if (!(margin >= 0 && margin <= 1)) {
                throw new BotException("lowConfidenceMargin must be in [0, 1], was " + margin);
            }
            this.lowConfidenceMargin = margin;
            return this;
        }

        /**
         * Whether to reload the knowledge base file when it changes (off by default). A file
         * that fails validation is logged and the previous version stays in use.
         *
         * @param watch true to watch the file
         * @return this builder
         */
        public Builder watch(boolean watch) {
            this.watch = watch;
            return this;
        }

        /**
         * Hears about reloads made by {@link #watch(boolean)}.
         *
         * @param listener the listener
         * @return this builder
         */
        public Builder reloadListener(ReloadListener listener) {
            this.reloadListener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * How many misses to keep (the most recent).
         *
         * @param maxMisses at least 0; 10,000 by default
         * @return this builder
         */
        public Builder maxMisses(int maxMisses) {
            if (maxMisses < 0) {
                throw new BotException("maxMisses must be at least 0, was " + maxMisses);
            }
            this.maxMisses = maxMisses;
            return this;
        }

        /**
         * Adds a synonym file (Solr format: {@code a, b, c} per line, all read as {@code a}) for a
         * language, on top of the bundled one.
         *
         * @param language an ISO 639-1 code
         * @param file     the synonym file
         * @return this builder
         */
        public Builder synonyms(String language, Path file) {
            Objects.requireNonNull(file, "file");
            if (Language.forCode(language).isEmpty()) {
                throw new BotException(
                        "synonyms: unknown language '" + language + "' (supported: " + Language.codes() + ")");
            }
            synonyms.computeIfAbsent(Language.forCode(language).get().code(), k -> new ArrayList<>())
                    .add(file);
            return this;
        }

        /**
         * The seed of the calibration's random split, for reproducible thresholds.
         *
         * @param seed any value; 42 by default
         * @return this builder
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Reads, validates, indexes and calibrates the knowledge base.
         *
         * @return the bot
         * @throws BotException when the knowledge base is missing or invalid
         */
        public FaqBot build() {
            if ((file == null) == (knowledgeBase == null)) {
                throw new BotException("give exactly one of file(...) and knowledgeBase(...)");
            }
            return new FaqBot(this);
        }
    }
}
