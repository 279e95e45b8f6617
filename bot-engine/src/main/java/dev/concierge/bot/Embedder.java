package dev.concierge.bot;

import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * A sentence-embedding model: turns a text into a vector of unit length whose dot product with
 * another text's vector says how close their meanings are, whatever words they use. Given to
 * {@link FaqBot.Builder#embedder(Embedder)}, it adds a semantic score to the lexical one (see
 * docs/faq.md, "Semantic matching"). The bot engine has none of its own: the optional module
 * {@code bot-semantic} provides one, found with {@link #find()} when it is on the class path.
 *
 * <p>Implementations are thread-safe; {@link #embed(String)} runs on the thread that answers.
 */
public interface Embedder extends AutoCloseable {

    /**
     * The model's name, for logs and measurements.
     *
     * @return a short name, such as {@code all-MiniLM-L6-v2-q}
     */
    String name();

    /**
     * Whether the model understands a language. A knowledge base with an entry in a language the
     * model does not support is matched without it, as if no embedder were given.
     *
     * @param language an ISO 639-1 code
     * @return true when the model was trained on that language
     */
    boolean supports(String language);

    /**
     * Whether the model has a word of its own for a lower-case word. The bot gives the model a
     * question with the words it has none for, and that are one or two typing slips from a
     * word of the knowledge base ("recieve"), spelt as the knowledge base spells them: a small
     * model cuts an unknown word into pieces that mean little. By default every word is known,
     * so the question is given as it was typed.
     *
     * @param word a lower-case word
     * @return true unless the model would have to cut the word into pieces
     */
    default boolean knows(String word) {
        return true;
    }

    /**
     * Embeds one text.
     *
     * @param text any text; a long one is cut to what the model reads
     * @return a vector of unit length, always of the same dimension
     */
    float[] embed(String text);

    /**
     * Embeds several texts, faster per text than one at a time where the model batches.
     *
     * @param texts the texts
     * @return one vector per text, in order
     */
    default List<float[]> embedAll(List<String> texts) {
        return texts.stream().map(this::embed).toList();
    }

    /** Releases the model. */
    @Override
    default void close() {}

    /**
     * The first embedder registered as a {@link ServiceLoader} provider on the class path (the
     * {@code bot-semantic} module registers one).
     *
     * @return the embedder, or empty when none is on the class path
     */
    static Optional<Embedder> find() {
        return ServiceLoader.load(Embedder.class).findFirst();
    }
}
