package dev.concierge.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.server.ChatServer;
import dev.concierge.server.NettyChatServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Unknown paths must not grow the server's memory: only files that exist are cached. */
final class StaticFilesCacheTest {
    private static final int REQUESTS = 10_000;

    @Test
    void tenThousandUnique404s_onOneKeepAliveConnection_leaveTheCacheAtTheRealFiles() throws Exception {
        try (ChatServer server = ChatServer.builder().port(0).start()) {
            StaticFiles files = ((NettyChatServer) server).staticFiles();
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
                s.setSoTimeout(30_000);
                OutputStream out = s.getOutputStream();
                InputStream in = s.getInputStream();
                out.write(get("/console/").getBytes(StandardCharsets.US_ASCII));
                out.write(get("/demo/").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertThat(countStatuses(in, 2, "200")).isEqualTo(2);
                int realFiles = files.cached();
                assertThat(realFiles).isPositive();

                CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                    try {
                        StringBuilder batch = new StringBuilder();
                        for (int i = 0; i < REQUESTS; i++) {
                            batch.append(get("/no-such-page-" + i + (i % 2 == 0 ? "" : ".js")));
                            if (batch.length() > 16_384) {
                                out.write(batch.toString().getBytes(StandardCharsets.US_ASCII));
                                batch.setLength(0);
                            }
                        }
                        out.write(batch.toString().getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                assertThat(countStatuses(in, REQUESTS, "404")).isEqualTo(REQUESTS);
                writer.get(30, TimeUnit.SECONDS);
                assertThat(files.cached())
                        .as("files held after %d unknown paths", REQUESTS)
                        .isEqualTo(realFiles);
            }
        }
    }

    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    }

    /** Reads {@code n} responses' status lines (bodies skipped by Content-Length); returns how many had {@code status}. */
    private static int countStatuses(InputStream in, int n, String status) throws Exception {
        int matched = 0;
        for (int i = 0; i < n; i++) {
            String head = readHead(in);
            assertThat(head).startsWith("HTTP/1.1 ");
            if (head.startsWith("HTTP/1.1 " + status)) {
                matched++;
            }
            int length = 0;
            for (String line : head.split("\r\n")) {
                if (line.regionMatches(true, 0, "content-length:", 0, 15)) {
                    length = Integer.parseInt(line.substring(15).trim());
                }
            }
            in.readNBytes(length);
        }
        return matched;
    }

    private static String readHead(InputStream in) throws Exception {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IllegalStateException("connection closed after " + head);
            }
            head.append((char) b);
        }
        return head.toString();
    }
}
