package dev.concierge.server.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.server.ChatServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A bare WebSocket for tests that must send what no well-behaved client would. */
public final class RawSocket implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final BlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
    public final CompletableFuture<Integer> closedWith = new CompletableFuture<>();
    public final CompletableFuture<String> closeReason = new CompletableFuture<>();
    private final WebSocket socket;

    private RawSocket(URI uri) throws Exception {
        socket = HttpClient.newHttpClient()
                .newWebSocketBuilder()
                .connectTimeout(Duration.ofSeconds(5))
                .buildAsync(uri, new WebSocket.Listener() {
                    private final StringBuilder text = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                        text.append(data);
                        if (last) {
                            try {
                                frames.add(JSON.readTree(text.toString()));
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                            text.setLength(0);
                        }
                        ws.request(1);
                        return null;
                    }

                    @Override
                    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
                        closeReason.complete(reason);
                        closedWith.complete(statusCode);
                        return null;
                    }

                    @Override
                    public void onError(WebSocket ws, Throwable error) {
                        closedWith.completeExceptionally(error);
                    }
                })
                .get(5, TimeUnit.SECONDS);
    }

    /** A WebSocket to {@code path} of the server at {@code base} (its {@code http://} URL). */
    public static RawSocket connect(URI base, String path) throws Exception {
        return new RawSocket(URI.create("ws://" + base.getAuthority() + path));
    }

    public static RawSocket connect(ChatServer server, String path) throws Exception {
        return new RawSocket(URI.create("ws://127.0.0.1:" + server.port() + path));
    }

    public RawSocket send(String json) {
        socket.sendText(json, true).join();
        return this;
    }

    /** The next frame matching {@code test}, skipping others; fails after 5 s. */
    public JsonNode await(Predicate<JsonNode> test) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            JsonNode frame = frames.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            assertThat(frame).as("expected frame did not arrive").isNotNull();
            if (test.test(frame)) {
                return frame;
            }
        }
    }

    public JsonNode awaitType(String type) throws InterruptedException {
        return await(f -> f.path("type").asText().equals(type));
    }

    @Override
    public void close() {
        socket.abort();
    }
}
