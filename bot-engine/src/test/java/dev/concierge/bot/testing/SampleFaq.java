package dev.concierge.bot.testing;

import dev.concierge.bot.FaqBot;
import java.nio.file.Files;
import java.nio.file.Path;

/** The sample knowledge base of examples/faq, located from the module directory. */
public final class SampleFaq {

    /** The sample FAQ file, examples/faq/shop-faq.json. */
    public static final Path FILE = locate();

    private SampleFaq() {}

    private static Path locate() {
        Path p = Path.of("..", "examples", "faq", "shop-faq.json")
                .toAbsolutePath()
                .normalize();
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("sample FAQ not found at " + p + " (run from the bot-engine module)");
        }
        return p;
    }

    private static FaqBot shared;

    /** One bot over the sample, shared by read-only tests (building one calibrates it). */
    public static synchronized FaqBot bot() {
        if (shared == null) {
            shared = FaqBot.load(FILE);
        }
        return shared;
    }
}
