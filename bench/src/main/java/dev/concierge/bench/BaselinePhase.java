package dev.concierge.bench;

import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * The baseline: the same load clients, in the same ping-pong shape (N connections, one message
 * in flight on each), against {@link EchoServer}. A message here is one hop through a server,
 * like one relayed message: from a client's write to a client's read. The frame is the same
 * visitor {@code message} the relay phase sends.
 */
final class BaselinePhase {
    /**
     * Baseline figures.
     *
     * @param connections echo connections, each with one message in flight
     * @param latency frame written to frame echoed back
     * @param cpu cores used by the echo server and by the load clients during the window
     */
    record Result(int connections, Latency.Stats latency, CpuMeter.Usage cpu) {}

    private static final String FRAME =
            "{\"type\":\"message\",\"id\":\"v1\",\"conversationId\":\"c_bench0000000000\",\"text\":\"" + RelayPhase.TEXT
                    + "\"}";

    private final Latency latency = new Latency();
    private volatile boolean running;

    private BaselinePhase() {}

    /** Drives {@code n} ping-pong connections against the echo server. */
    static Result run(WsClient client, JvmProcess echo, int n, Warmup warmup, WindowProfiler profiler, Duration measure)
            throws InterruptedException {
        return new BaselinePhase().measure(client, echo, n, warmup, profiler, measure);
    }

    // The profiling window is a scope: try-with-resources closes it when the measurement ends, and
    // nothing in the body refers to it. javac ignores the suppression on the resource variable itself.
    @SuppressWarnings("try")
    private Result measure(
            WsClient client, JvmProcess echo, int n, Warmup warmup, WindowProfiler profiler, Duration measure)
            throws InterruptedException {
        URI uri = URI.create("ws://127.0.0.1:" + echo.port() + "/ws");
        CpuMeter cpu = new CpuMeter(echo.pid());
        try {
            List<WsConnection> connections =
                    client.connectAll(uri, n, 256, i -> new Pinger(), Duration.ofMillis(Math.max(30_000, n * 10L)));
            running = true;
            for (WsConnection c : connections) {
                c.send(FRAME);
            }
            warmup.await(echo.pid());
            Latency.Stats stats;
            CpuMeter.Usage usage;
            try (WindowProfiler.Window profile = profiler.open(echo.pid(), "baseline-" + n)) {
                latency.startWindow();
                cpu.start();
                Thread.sleep(measure.toMillis());
                stats = latency.endWindow();
                usage = cpu.stop();
            }
            running = false;
            return new Result(connections.size(), stats, usage);
        } finally {
            running = false;
            client.closeAll();
        }
    }

    /** Times each echo and sends the next frame at once. */
    private final class Pinger implements WsClient.Listener {
        private long sentAt = System.nanoTime();

        @Override
        public void opened(WsConnection connection) {
            sentAt = System.nanoTime();
        }

        @Override
        public void text(WsConnection connection, String text) {
            Frame.parse(text); // as the relay clients do with every frame, so both pay the same per frame
            long now = System.nanoTime();
            latency.record(now - sentAt);
            if (running) {
                sentAt = now;
                connection.send(FRAME);
            }
        }
    }
}
