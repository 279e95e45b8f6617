package dev.concierge.bench;

import dev.concierge.protocol.ErrorCode;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handoff: the time from a visitor's {@code handoff} to the agent having the whole package, for
 * conversations whose transcript already holds K events: the {@code assigned} frame, and when it
 * holds only the last events ({@code transcriptTotal} is larger), the earlier ones read with
 * {@code history} page by page, as the console and the SDK do before showing the chat. The transcript is built the way a real one is, by chatting with the bot: K/2
 * questions, each answered before the next, so K events (questions and bot answers) precede
 * the handoff. Handoffs are measured one at a time, with a free agent waiting; the agent then
 * closes the conversation, which frees its slot for the next.
 */
final class HandoffPhase {
    private static final Logger log = LoggerFactory.getLogger(HandoffPhase.class);
    private static final int BATCH = 8;
    private static final int MIN_SAMPLES = 5;
    private static final Duration STEP_TIMEOUT = Duration.ofSeconds(15);

    /**
     * Figures for one transcript length.
     *
     * @param transcriptEvents events in the conversation before the handoff
     * @param packageEvents smallest whole transcript the agent had (handoff events included)
     * @param latency handoff sent to package received
     * @param failed conversations that could not be measured (the bot handed them off first, or a timeout)
     */
    record Result(int transcriptEvents, int packageEvents, Latency.Stats latency, int failed) {}

    private record Arrival(long at, int transcriptSize) {}

    private final Map<String, CompletableFuture<Arrival>> assigned = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Void>> closed = new ConcurrentHashMap<>();
    /** Events read with history so far, by conversation whose package held only its last events. */
    private final Map<String, Integer> reading = new ConcurrentHashMap<>();

    private HandoffPhase() {}

    /** Measures each transcript length in turn against the server on {@code port}, whose demo agent is free. */
    static List<Result> run(WsClient client, int port, List<Integer> sizes, Duration budget) throws Exception {
        HandoffPhase phase = new HandoffPhase();
        List<Result> results = new ArrayList<>();
        try {
            String token = AgentLogin.tokens(
                            port, List.of(new Servers.Credentials(Servers.DEMO_USERNAME, Servers.DEMO_PASSWORD)))
                    .get(0);
            WsConnection agent = client.connect(
                            URI.create("ws://127.0.0.1:" + port + "/ws/agent"), phase.new AgentSide(token))
                    .get(30, TimeUnit.SECONDS);
            for (int size : sizes) {
                results.add(phase.measure(client, port, agent, size, budget));
            }
        } finally {
            client.closeAll();
        }
        return results;
    }

    private Result measure(WsClient client, int port, WsConnection agent, int size, Duration budget) throws Exception {
        Latency latency = new Latency();
        latency.startWindow();
        URI uri = URI.create("ws://127.0.0.1:" + port + "/ws/visitor");
        int questions = (size + 1) / 2;
        long deadline = System.nanoTime() + budget.toNanos();
        long hardDeadline = deadline + Duration.ofSeconds(30).toNanos();
        int samples = 0;
        int failed = 0;
        int smallestPackage = Integer.MAX_VALUE;
        while ((samples < MIN_SAMPLES || System.nanoTime() < deadline)
                && System.nanoTime() < hardDeadline
                && failed < 3 * MIN_SAMPLES) {
            List<Chatter> batch = new ArrayList<>();
            List<WsConnection> visitors = client.connectAll(
                    uri,
                    BATCH,
                    BATCH,
                    i -> {
                        Chatter c = new Chatter(questions);
                        batch.add(c);
                        return c;
                    },
                    STEP_TIMEOUT);
            for (WsConnection v : visitors) {
                v.send(Hellos.visitor(null));
            }
            for (Chatter c : batch) {
                int packageSize = c.connection == null ? -1 : handOffOne(agent, c, latency);
                if (packageSize < 0) {
                    failed++;
                } else {
                    samples++;
                    smallestPackage = Math.min(smallestPackage, packageSize);
                }
            }
        }
        if (failed > 0) {
            log.warn("handoff: {} conversations with {} events could not be measured", failed, size);
        }
        return new Result(
                size, smallestPackage == Integer.MAX_VALUE ? 0 : smallestPackage, latency.endWindow(), failed);
    }

    /**
     * Waits for the visitor's transcript, hands the conversation off, times the package's arrival
     * and closes the conversation. Returns the package's transcript length, or -1 on a failure.
     */
    private int handOffOne(WsConnection agent, Chatter c, Latency latency) {
        String id;
        try {
            id = c.prepared.get(STEP_TIMEOUT.toMillis() + c.questions * 50L, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            c.connection.close();
            return -1;
        }
        CompletableFuture<Arrival> arrival = new CompletableFuture<>();
        assigned.put(id, arrival);
        long sent = System.nanoTime();
        c.connection.send("{\"type\":\"handoff\",\"id\":\"handoff\",\"conversationId\":\"" + id + "\"}");
        int size = -1;
        try {
            Arrival a = arrival.get(STEP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            latency.record(a.at() - sent);
            size = a.transcriptSize();
        } catch (Exception e) {
            assigned.remove(id);
        }
        closeAndWait(agent, id);
        c.connection.close();
        return size;
    }

    /** The agent closes the conversation; its ack means the slot is free again. */
    private void closeAndWait(WsConnection agent, String id) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        closed.put("close-" + id, done);
        agent.send("{\"type\":\"close\",\"id\":\"close-" + id + "\",\"conversationId\":\"" + id
                + "\",\"reason\":\"resolved\"}");
        try {
            done.get(STEP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            log.warn("handoff: no ack for closing {}", id);
        }
    }

    /** Chats with the bot until the transcript is long enough. */
    private static final class Chatter implements WsClient.Listener {
        final CompletableFuture<String> prepared = new CompletableFuture<>();
        private final int questions;
        private int asked;
        private int refusals;
        private String inFlight;
        private String conversationId;
        volatile WsConnection connection;

        Chatter(int questions) {
            this.questions = questions;
        }

        @Override
        public void opened(WsConnection c) {
            connection = c;
        }

        @Override
        public void text(WsConnection c, String text) {
            Frame f = Frame.parse(text);
            if (f.is("welcome")) {
                ask(c);
            } else if (f.is("event") && "bot".equals(f.kind())) {
                conversationId = f.conversationId();
                if (asked < questions) {
                    ask(c);
                } else {
                    prepared.complete(conversationId);
                }
            } else if (f.is("event") && "handoff".equals(f.kind()) && !prepared.isDone()) {
                prepared.completeExceptionally(new BenchException("the bot handed the conversation off by itself"));
            } else if (f.is("error") && ErrorCode.RATE_LIMITED.wire().equals(f.code()) && inFlight != null) {
                c.sendLater(inFlight, WsConnection.backoffMillis(++refusals));
            } else if (f.is("error")) {
                prepared.completeExceptionally(new BenchException("error frame: " + text));
            }
        }

        private void ask(WsConnection c) {
            String question = SyntheticFaq.QUESTIONS.get(asked % SyntheticFaq.QUESTIONS.size());
            asked++;
            refusals = 0;
            inFlight = "{\"type\":\"message\",\"id\":\"q" + asked + "\",\"text\":\"" + question + "\"}";
            c.send(inFlight);
        }
    }

    /**
     * The demo agent: completes the futures of packages once whole (reading the earlier events
     * with history when the package holds only the last ones) and of close acks.
     */
    private final class AgentSide extends AgentSocket {
        AgentSide(String token) {
            super(token);
        }

        @Override
        public void text(WsConnection connection, String text) {
            Frame f = Frame.parse(text);
            if (f.is("assigned")) {
                long now = System.nanoTime();
                if (f.transcriptTotal() > f.transcriptSize() && assigned.containsKey(f.conversationId())) {
                    reading.put(f.conversationId(), 0);
                    read(connection, f.conversationId(), 0);
                    return;
                }
                CompletableFuture<Arrival> waiting = assigned.remove(f.conversationId());
                if (waiting != null) {
                    waiting.complete(new Arrival(now, f.transcriptSize()));
                }
            } else if (f.is("transcript") && f.ref() != null && f.ref().startsWith("read-")) {
                long now = System.nanoTime();
                Integer read = reading.computeIfPresent(f.conversationId(), (id, n) -> n + f.events());
                if (read == null) {
                    return;
                }
                if (f.more() && f.events() > 0) {
                    read(connection, f.conversationId(), f.lastSeq());
                    return;
                }
                reading.remove(f.conversationId());
                CompletableFuture<Arrival> waiting = assigned.remove(f.conversationId());
                if (waiting != null) {
                    waiting.complete(new Arrival(now, read));
                }
            } else if ((f.is("ack") || f.is("error")) && f.ref() != null) {
                CompletableFuture<Void> waiting = closed.remove(f.ref());
                if (waiting != null) {
                    waiting.complete(null);
                }
            }
        }

        private void read(WsConnection connection, String conversationId, long afterSeq) {
            connection.send("{\"type\":\"history\",\"id\":\"read-" + conversationId + "-" + afterSeq
                    + "\",\"conversationId\":\"" + conversationId + "\",\"afterSeq\":" + afterSeq + "}");
        }
    }
}
