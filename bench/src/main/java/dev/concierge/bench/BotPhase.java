package dev.concierge.bench;

import dev.concierge.protocol.ErrorCode;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bot: visitors ask FAQ questions ({@link SyntheticFaq#QUESTIONS} in turn), each waiting for the
 * bot's answer before asking the next; latency is from the visitor's {@code message} to the
 * {@code event} of kind {@code bot}. Measured with one visitor (the bot's own latency) and with
 * many asking at once (its throughput, and the queueing it brings). The figures are for the engine
 * the server answered with, {@link #engine(String)}: words only, or fused with semantic matching.
 */
final class BotPhase {
    private static final Logger log = LoggerFactory.getLogger(BotPhase.class);
    /**
     * How a server with semantic matching says so: its notice ("FAQ bot: semantic matching with
     * all-MiniLM-L6-v2-q beside the lexical one") and its start line ("listening on ... with N FAQ
     * entries, semantic matching by all-MiniLM-L6-v2-q ...").
     */
    private static final Pattern SEMANTIC = Pattern.compile("semantic matching (?:with|by) ([\\w.-]+)");

    /**
     * Figures at one load.
     *
     * @param visitors visitors asking at once
     * @param latency question to answer
     * @param handedOff visitors whose conversation the bot handed to a human (they stop asking)
     * @param rateLimited questions refused with {@code rate_limited} (each resent after a back-off)
     * @param errors other error frames received
     * @param cpu cores used by the server and by the load clients during the window
     * @param engine the engine that answered, {@link #engine(String)}
     * @param questions how the questions were asked: {@code "word for word"} (each is a phrasing of
     *     its entry, whose vector the fused engine keeps: no model run) or {@code "reworded"}
     *     ({@link #reworded(String)}: a model run per question with the fused engine)
     */
    record Result(
            int visitors,
            Latency.Stats latency,
            int handedOff,
            long rateLimited,
            long errors,
            CpuMeter.Usage cpu,
            String engine,
            String questions) {}

    private final Latency latency = new Latency();
    private final AtomicInteger handedOff = new AtomicInteger();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong rateLimited = new AtomicLong();
    private final List<String> questions;
    private volatile boolean running;

    private BotPhase(List<String> questions) {
        this.questions = questions;
    }

    /**
     * A question as a visitor might type it, in lower case without its question mark ("where is
     * my order"): the same words for the lexical engine, but no longer word for word a phrasing,
     * so the fused engine embeds it (it keeps the vectors of the phrasings only).
     */
    static String reworded(String question) {
        return question.toLowerCase(java.util.Locale.ROOT).replaceAll("[?.!]+$", "");
    }

    /**
     * The FAQ bot engine of a server, from what it printed as it started: {@code "fused (MODEL)"}
     * when it matches by meaning too (lexical and semantic scores fused, docs/faq.md "Semantic
     * matching"), else {@code "lexical"} (words only: no semantic jar on its class path, or
     * {@code --lexical}).
     */
    static String engine(String startOutput) {
        Matcher m = SEMANTIC.matcher(startOutput);
        return m.find() ? "fused (" + m.group(1) + ")" : "lexical";
    }

    /** Runs each load in {@code loads} in turn against {@code server}. */
    static List<Result> run(
            WsClient client,
            JvmProcess server,
            List<Integer> loads,
            boolean reworded,
            Warmup warmup,
            WindowProfiler profiler,
            Duration measure)
            throws InterruptedException {
        List<Result> results = new ArrayList<>();
        String engine = engine(server.startOutput());
        log.info("bot: the server's FAQ bot engine is {}", engine);
        List<String> questions = reworded
                ? SyntheticFaq.QUESTIONS.stream().map(BotPhase::reworded).toList()
                : SyntheticFaq.QUESTIONS;
        for (int visitors : loads) {
            results.add(new BotPhase(questions)
                    .measure(client, server, visitors, warmup, profiler, measure, engine, reworded));
        }
        return results;
    }

    // The profiling window is a scope: try-with-resources closes it when the measurement ends, and
    // nothing in the body refers to it. javac ignores the suppression on the resource variable itself.
    @SuppressWarnings("try")
    private Result measure(
            WsClient client,
            JvmProcess server,
            int visitors,
            Warmup warmup,
            WindowProfiler profiler,
            Duration measure,
            String engine,
            boolean reworded)
            throws InterruptedException {
        URI uri = URI.create("ws://127.0.0.1:" + server.port() + "/ws/visitor");
        CpuMeter cpu = new CpuMeter(server.pid());
        try {
            List<WsConnection> connections = client.connectAll(
                    uri, visitors, 256, Asker::new, Duration.ofMillis(Math.max(30_000, visitors * 10L)));
            running = true;
            for (WsConnection c : connections) {
                c.send(Hellos.visitor(null)); // the first question goes out on the welcome
            }
            warmup.await(server.pid());
            Latency.Stats stats;
            CpuMeter.Usage usage;
            try (WindowProfiler.Window profile = profiler.open(server.pid(), "bot-" + visitors)) {
                latency.startWindow();
                errors.set(0);
                rateLimited.set(0);
                cpu.start();
                Thread.sleep(measure.toMillis());
                stats = latency.endWindow();
                usage = cpu.stop();
            }
            running = false;
            if (handedOff.get() > 0) {
                log.warn("bot: {} of {} visitors were handed to a human and stopped asking", handedOff.get(), visitors);
            }
            return new Result(
                    connections.size(),
                    stats,
                    handedOff.get(),
                    rateLimited.get(),
                    errors.get(),
                    usage,
                    engine,
                    reworded ? "reworded" : "word for word");
        } finally {
            running = false;
            client.closeAll();
        }
    }

    /** Asks, waits for the bot's answer, asks again. */
    private final class Asker implements WsClient.Listener {
        private final int index;
        private long asked;
        private long sentAt;
        private String inFlight;
        private int refusals;

        Asker(int index) {
            this.index = index;
        }

        @Override
        public void text(WsConnection connection, String text) {
            Frame f = Frame.parse(text);
            if (f.is("welcome")) {
                ask(connection);
            } else if (f.is("event") && "bot".equals(f.kind())) {
                latency.record(System.nanoTime() - sentAt);
                ask(connection);
            } else if (f.is("event") && "handoff".equals(f.kind())) {
                handedOff.incrementAndGet();
            } else if (f.is("error") && ErrorCode.RATE_LIMITED.wire().equals(f.code()) && inFlight != null) {
                rateLimited.incrementAndGet();
                connection.sendLater(inFlight, WsConnection.backoffMillis(++refusals));
            } else if (f.is("error")) {
                if (errors.incrementAndGet() <= 3) {
                    log.warn("bot: error frame {}", text);
                }
            }
        }

        private void ask(WsConnection connection) {
            if (!running) {
                return;
            }
            String question = questions.get((int) ((index + asked) % questions.size()));
            asked++;
            refusals = 0;
            inFlight = "{\"type\":\"message\",\"id\":\"q" + asked + "\",\"text\":\"" + question + "\"}";
            sentAt = System.nanoTime();
            connection.send(inFlight);
        }
    }
}
