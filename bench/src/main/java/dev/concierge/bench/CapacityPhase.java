package dev.concierge.bench;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Capacity: what an idle visitor costs the server. Heap in use after a full collection and the
 * process's RSS are read from outside the server before and after N visitors connect and say
 * {@code hello} (each gets its {@code welcome}); the cost is the difference divided by N.
 */
final class CapacityPhase {
    private static final Logger log = LoggerFactory.getLogger(CapacityPhase.class);

    /**
     * Capacity figures; heap and RSS figures are null where they could not be read.
     *
     * @param requested visitors asked for
     * @param connected visitors connected and welcomed
     * @param connectSeconds time to connect and welcome them all
     * @param heapBefore heap used after a full GC, before, in bytes
     * @param heapAfter the same with the visitors connected
     * @param rssBefore resident set size before, in bytes
     * @param rssAfter resident set size with the visitors connected
     * @param heapPerVisitor (heapAfter - heapBefore) / connected, in bytes
     * @param rssPerVisitor (rssAfter - rssBefore) / connected, in bytes
     * @param serverMaxOpenFiles the server process's open-files limit
     */
    record Result(
            int requested,
            int connected,
            double connectSeconds,
            Long heapBefore,
            Long heapAfter,
            Long rssBefore,
            Long rssAfter,
            Double heapPerVisitor,
            Double rssPerVisitor,
            Long serverMaxOpenFiles) {}

    private CapacityPhase() {}

    /** Connects {@code n} idle visitors to a fresh server and measures it. */
    static Result run(WsClient client, Servers servers, int n) throws InterruptedException {
        String jcmd = Servers.jcmd();
        try (JvmProcess server = servers.product("capacity", false)) {
            Long heapBefore = server.heapUsedAfterGc(jcmd).orElse(null);
            Long rssBefore = server.rssBytes().orElse(null);
            CountDownLatch welcomed = new CountDownLatch(n);
            long start = System.nanoTime();
            Duration timeout = Duration.ofMillis(Math.max(30_000, n * 10L));
            var connections = client.connectAll(
                    URI.create("ws://127.0.0.1:" + server.port() + "/ws/visitor"),
                    n,
                    256,
                    i -> new Idler(welcomed),
                    timeout);
            long left = timeout.toNanos() - (System.nanoTime() - start);
            welcomed.await(Math.max(0, left), TimeUnit.NANOSECONDS);
            int connected = (int) (n - welcomed.getCount());
            double seconds = (System.nanoTime() - start) / 1e9;
            if (connected < n) {
                log.warn(
                        "capacity: {} of {} visitors welcomed ({} sockets open); open-files limit of the server: {}",
                        connected,
                        n,
                        connections.size(),
                        server.maxOpenFiles().orElse(-1L));
            }
            Long heapAfter = server.heapUsedAfterGc(jcmd).orElse(null);
            Long rssAfter = server.rssBytes().orElse(null);
            return new Result(
                    n,
                    connected,
                    seconds,
                    heapBefore,
                    heapAfter,
                    rssBefore,
                    rssAfter,
                    perVisitor(heapBefore, heapAfter, connected),
                    perVisitor(rssBefore, rssAfter, connected),
                    server.maxOpenFiles().orElse(null));
        } finally {
            client.closeAll();
        }
    }

    private static Double perVisitor(Long before, Long after, int n) {
        return before == null || after == null || n == 0 ? null : (after - before) / (double) n;
    }

    /** Says hello and stays quiet. */
    private static final class Idler implements WsClient.Listener {
        private final CountDownLatch welcomed;
        private boolean counted;

        Idler(CountDownLatch welcomed) {
            this.welcomed = welcomed;
        }

        @Override
        public void opened(WsConnection connection) {
            connection.send(Hellos.visitor(null));
        }

        @Override
        public void text(WsConnection connection, String text) {
            if (!counted && Frame.parse(text).is("welcome")) {
                counted = true;
                welcomed.countDown();
            }
        }
    }
}
