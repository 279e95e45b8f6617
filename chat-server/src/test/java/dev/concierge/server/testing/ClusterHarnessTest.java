package dev.concierge.server.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pieces the cluster tests stand on, over real processes and sockets: a NATS server that
 * greets, stops and comes back on its port; a PostgreSQL schema of a test's own; a server process
 * that gets an environment and can be frozen and thawed.
 */
final class ClusterHarnessTest {
    @Test
    void natsServer_greetsWithInfo_goesAwayOnStop_andComesBackOnTheSamePort() throws Exception {
        try (NatsProcess nats = NatsProcess.startOnFreePort()) {
            int port = nats.port();
            assertThat(nats.url()).isEqualTo("nats://127.0.0.1:" + port);
            assertThat(nats.running()).isTrue();

            try (Socket client = connect(port)) {
                BufferedReader in = reader(client);
                String info = in.readLine();
                assertThat(info).startsWith("INFO {").contains("\"port\":" + port);

                nats.stop();

                assertThat(nats.running()).isFalse();
                // the server said goodbye to its client: end of stream or a reset, no more lines
                assertThat(readToEnd(in)).doesNotContain("INFO");
            }
            assertThatThrownBy(() -> connect(port).close()).isInstanceOf(ConnectException.class);

            nats.start();

            assertThat(nats.port()).isEqualTo(port);
            try (Socket again = connect(port)) {
                assertThat(reader(again).readLine()).startsWith("INFO {").contains("\"port\":" + port);
            }

            nats.kill();
            assertThatThrownBy(() -> connect(port).close()).isInstanceOf(ConnectException.class);
            nats.start();
            try (Socket third = connect(port)) {
                assertThat(reader(third).readLine()).startsWith("INFO {");
            }
            assertThat(Files.readString(nats.log())).contains("Server is ready");
        }
    }

    @Test
    void natsServer_closed_leavesNothingListening() throws Exception {
        int port;
        try (NatsProcess nats = NatsProcess.startOnFreePort()) {
            port = nats.port();
        }
        assertThatThrownBy(() -> connect(port).close()).isInstanceOf(ConnectException.class);
    }

    @Test
    void postgresSchema_isCreatedEmpty_holdsWhatIsWrittenThroughItsUrl_andIsDroppedOnClose() throws Exception {
        PostgresSchema schema = PostgresSchema.create();
        try (PostgresSchema other = PostgresSchema.create()) {
            assertThat(schema.name()).startsWith("cluster_").isNotEqualTo(other.name());
            assertThat(schema.jdbcUrl()).endsWith("?currentSchema=" + schema.name());
            assertThat(schema.serverEnv())
                    .isEqualTo(Map.of("CONCIERGE_DB_USER", schema.user(), "CONCIERGE_DB_PASSWORD", schema.password()));
            assertThat(schema.exists()).isTrue();

            try (Connection c = schema.connect();
                    Statement s = c.createStatement()) {
                assertThat(count(
                                s,
                                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '" + schema.name()
                                        + "'"))
                        .isZero();
                s.execute("CREATE TABLE probe (id INT)"); // no schema named: the URL's schema
                assertThat(count(
                                s,
                                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '" + schema.name()
                                        + "' AND table_name = 'probe'"))
                        .isEqualTo(1);
                assertThat(count(
                                s,
                                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '" + other.name()
                                        + "'"))
                        .isZero();
            }
        } finally {
            schema.close();
        }
        assertThat(schema.exists()).isFalse();
    }

    @Test
    void serverProcess_getsItsEnvironment_keepsItsOutput_andIsFrozenByStopUntilResume(@TempDir Path dir)
            throws Exception {
        try (ServerProcess server = ServerProcess.start(dir, 0, Map.of("CONCIERGE_HARNESS_PROBE", "probe-value-42"))) {
            String environ = Files.readString(Path.of("/proc/" + server.pid() + "/environ"), StandardCharsets.UTF_8);
            assertThat(environ.split("\0")).contains("CONCIERGE_HARNESS_PROBE=probe-value-42");
            assertThat(server.output()).contains("http://127.0.0.1:" + server.port + "/");
            assertThat(health(server.baseUri())).isEqualTo(200);

            server.stop();

            Await.until("the server to be stopped (state T)", () -> state(server.pid()) == 'T');
            assertThat(server.isAlive()).isTrue();

            server.resume();

            Await.until("the server to run again", () -> state(server.pid()) != 'T');
            assertThat(health(server.baseUri())).isEqualTo(200);
        }
    }

    @Test
    void haproxy_spreadsRequestsOverReadyNodes_andLeavesOutOnesNotReadyOrGone() throws Exception {
        FakeNode a = new FakeNode("a");
        FakeNode b = new FakeNode("b");
        try (a;
                b;
                HaproxyProcess haproxy = HaproxyProcess.start(List.of(a.uri(), b.uri()))) {
            URI who = haproxy.baseUri().resolve("/who");
            Await.value("both nodes to be answering", Duration.ofSeconds(10), () -> {
                Set<String> seen = new HashSet<>();
                for (int i = 0; i < 4; i++) {
                    seen.add(get(who));
                }
                return seen.equals(Set.of("a", "b")) ? Optional.of(seen) : Optional.empty();
            });

            b.ready.set(false);

            Await.value("only a to answer once b is not ready", Duration.ofSeconds(10), () -> {
                Set<String> seen = new HashSet<>();
                for (int i = 0; i < 4; i++) {
                    seen.add(get(who));
                }
                return seen.equals(Set.of("a")) ? Optional.of(seen) : Optional.empty();
            });

            b.ready.set(true);
            a.close();

            for (int i = 0; i < 4; i++) {
                assertThat(get(who))
                        .as("a is gone: its requests go to b at once")
                        .isEqualTo("b");
            }
        }
    }

    /** A stand-in for a node: answers /api/ready (200, or 503 when not ready) and /who. */
    private static final class FakeNode implements AutoCloseable {
        final AtomicBoolean ready = new AtomicBoolean(true);
        final HttpServer server;

        FakeNode(String name) throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/api/ready", exchange -> {
                exchange.sendResponseHeaders(ready.get() ? 200 : 503, -1);
                exchange.close();
            });
            server.createContext("/who", exchange -> {
                byte[] body = name.getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            server.start();
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    private static String get(URI uri) {
        try {
            HttpResponse<String> response = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(uri)
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as("GET " + uri).isEqualTo(200);
            return response.body();
        } catch (IOException | InterruptedException e) {
            throw new AssertionError("GET " + uri + " failed", e);
        }
    }

    private static Socket connect(int port) throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(5000);
        return socket;
    }

    private static BufferedReader reader(Socket socket) throws IOException {
        return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    }

    /** What is left to read until the peer closes (or resets) the connection. */
    private static String readToEnd(BufferedReader in) {
        StringBuilder rest = new StringBuilder();
        try {
            String line;
            while ((line = in.readLine()) != null) {
                rest.append(line).append('\n');
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the connection is still open 5 s later; read so far: " + rest, e);
        } catch (IOException reset) {
            // a reset is a close too
        }
        return rest.toString();
    }

    private static long count(Statement s, String sql) throws Exception {
        try (ResultSet rows = s.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private static int health(URI base) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(base.resolve("/api/health"))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    /** The process state letter from /proc (R, S, T for stopped, ...). */
    private static char state(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2);
        } catch (IOException e) {
            throw new AssertionError("no /proc entry for " + pid, e);
        }
    }
}
