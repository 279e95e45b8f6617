package dev.concierge.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A knowledge base of any size for the bot and handoff phases (the bot's target, p99 under 2 ms,
 * is measured with 1,000 entries, the bench's default; docs/performance.md): six hand-written shop entries whose questions the load clients ask, then
 * generated product entries ("How do I descale the espresso machine?") that share the shop's
 * everyday words, so the index is as large and as ambiguous as a real one of that size.
 * Deterministic: the same size gives the same file.
 */
final class SyntheticFaq {
    /** What the bot phase asks, in turn; each has an entry below. */
    static final List<String> QUESTIONS = List.of(
            "Where is my order?",
            "How do I return an item?",
            "When will I get my refund?",
            "I forgot my password",
            "Which payment methods do you accept?",
            "How much does shipping cost?");

    private static final String[][] CORE = {
        {
            "order-status",
            "Where is my order?|How can I track my order?|What is the status of my order?|Has my order shipped?|I want to track my package",
            "track|tracking number|order status",
            "Follow your order at https://shop.example.com/account/orders."
        },
        {
            "returns-how",
            "How do I return an item?|How can I send something back?|I want to return a product|What is the return process?",
            "return|send back",
            "Start a return at https://shop.example.com/returns and print the label."
        },
        {
            "refund-time",
            "When will I get my refund?|How long does a refund take?|I am still waiting for my refund|Where is my refund?",
            "refund|money back",
            "Refunds reach your account 3 to 5 working days after we receive the parcel."
        },
        {
            "password-reset",
            "I forgot my password|How do I reset my password?|I cannot log in to my account|Change my password",
            "password|log in|sign in",
            "Use \"Forgot password\" on https://shop.example.com/login to get a reset link."
        },
        {
            "payment-methods",
            "Which payment methods do you accept?|Can I pay with PayPal?|Do you take credit cards?|How can I pay?",
            "payment|pay|credit card|paypal",
            "We take Visa, Mastercard, American Express, PayPal and gift cards."
        },
        {
            "shipping-cost",
            "How much does shipping cost?|What are the delivery charges?|Is shipping free?|How much is delivery?",
            "shipping cost|delivery charge|free shipping",
            "Shipping is free above 50 EUR, 4.90 EUR below."
        },
    };

    private static final String[] PRODUCTS = {
        "espresso machine",
        "kettle",
        "toaster",
        "blender",
        "rice cooker",
        "air fryer",
        "vacuum cleaner",
        "robot mower",
        "desk lamp",
        "floor lamp",
        "office chair",
        "standing desk",
        "bookshelf",
        "wardrobe",
        "sofa bed",
        "mattress",
        "duvet",
        "pillow",
        "towel set",
        "shower curtain",
        "frying pan",
        "knife set",
        "dinner plates",
        "wine glasses",
        "coffee grinder",
        "water filter",
        "humidifier",
        "fan heater",
        "smart thermostat",
        "doorbell camera",
        "bluetooth speaker",
        "headphones",
        "e-reader",
        "tablet case",
        "phone charger",
        "power bank",
        "backpack",
        "suitcase",
        "running shoes",
        "rain jacket",
    };

    /** Question templates per topic; {@code %s} is the product. */
    private static final String[][] TOPICS = {
        {"clean", "How do I clean the %s?|What is the best way to clean my %s?|Cleaning instructions for the %s"},
        {"assemble", "How do I assemble the %s?|Assembly instructions for the %s|Is the %s hard to put together?"},
        {"size", "What are the dimensions of the %s?|How big is the %s?|How much does the %s weigh?"},
        {"material", "What is the %s made of?|Which materials are used in the %s?|Is the %s made of plastic?"},
        {"warranty", "How long is the warranty on the %s?|Is the %s covered by a guarantee?|Warranty for my %s"},
        {
            "spare",
            "Where can I buy spare parts for the %s?|Do you sell replacement parts for the %s?|Spare part for my %s"
        },
        {
            "manual",
            "Where is the user manual of the %s?|Can I download the manual for the %s?|I lost the manual of my %s"
        },
        {"noise", "Why is my %s making a noise?|The %s is very loud|Strange sound from the %s"},
        {"broken", "My %s stopped working|The %s does not turn on|What do I do if the %s is broken?"},
        {"colors", "Which colours does the %s come in?|Is the %s available in black?|Other colours of the %s"},
        {"stock", "When is the %s back in stock?|Is the %s sold out?|Will you restock the %s?"},
        {"compare", "What is the difference between the %s models?|Which %s should I choose?|Compare %s versions"},
        {"care", "How do I store the %s?|How do I look after my %s?|Care tips for the %s"},
        {"safety", "Is the %s safe for children?|Safety advice for the %s|Can kids use the %s?"},
        {"energy", "How much power does the %s use?|Is the %s energy efficient?|Energy label of the %s"},
        {"recycle", "How do I recycle my old %s?|Can you take back my old %s?|Dispose of a %s"},
        {"gift", "Can I gift wrap the %s?|Is the %s a good present?|Gift box for the %s"},
        {
            "install",
            "Can you install the %s for me?|Do you offer installation of the %s?|Installation service for the %s"
        },
        {"accessories", "Which accessories fit the %s?|Do you sell a cover for the %s?|Extras for my %s"},
        {"reviews", "What do customers say about the %s?|Reviews of the %s|Is the %s any good?"},
        {"outdoor", "Can I use the %s outdoors?|Is the %s waterproof?|Use the %s in the garden"},
        {"travel", "Can I take the %s abroad?|Does the %s work in other countries?|Travel with my %s"},
        {"battery", "How long does the battery of the %s last?|How do I charge the %s?|Battery life of the %s"},
        {"firmware", "How do I update the %s?|Software update for the %s|Does the %s get updates?"},
        {"rent", "Can I rent the %s?|Do you lease the %s?|Hire a %s for a week"},
    };

    private SyntheticFaq() {}

    /** Writes a knowledge base of {@code entries} entries (at least the six core ones) to {@code file}. */
    static Path write(Path file, int entries) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (String[] core : CORE) {
            list.add(entry(core[0], List.of(core[1].split("\\|")), List.of(core[2].split("\\|")), core[3]));
        }
        for (int i = 0; list.size() < entries; i++) {
            String product = PRODUCTS[i % PRODUCTS.length];
            String[] topic = TOPICS[(i / PRODUCTS.length) % TOPICS.length];
            int round = i / (PRODUCTS.length * TOPICS.length);
            String name = round == 0 ? product : product + " model " + (round + 1);
            List<String> questions = new ArrayList<>();
            for (String template : topic[1].split("\\|")) {
                questions.add(String.format(template, name));
            }
            String id = topic[0] + "-" + name.replace(' ', '-');
            list.add(entry(
                    id,
                    questions,
                    List.of(product),
                    "About the " + name + " (" + topic[0] + "): see https://shop.example.com/help/" + id + "."));
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("language", "en");
        root.put("description", "Generated by the Concierge bench: " + entries + " entries.");
        root.put("entries", list);
        try {
            new ObjectMapper().writeValue(file.toFile(), root);
        } catch (IOException e) {
            throw new BenchException("cannot write " + file + ": " + e.getMessage(), e);
        }
        return file;
    }

    private static Map<String, Object> entry(String id, List<String> questions, List<String> keywords, String answer) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("id", id);
        e.put("questions", questions);
        e.put("keywords", keywords);
        e.put("answer", answer);
        return e;
    }
}
