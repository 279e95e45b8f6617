package dev.concierge.client;

import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One socket attempt of a {@link Connection}: adapts the JDK's {@link WebSocket.Listener},
 * assembles text frames the JDK delivers in parts, and writes one frame at a time (the JDK
 * allows a single outstanding send). The connection tells a current attempt from a stale one by
 * identity. Mutable fields are guarded by the connection's lock.
 */
final class Socket implements WebSocket.Listener {
    private static final Logger log = LoggerFactory.getLogger(Socket.class);
    /** How long a closing socket waits for the server's close frame. */
    static final Duration CLOSE_GRACE = Duration.ofSeconds(2);

    /** What the connection does with the JDK's callbacks. */
    interface Handler {
        /** The handshake succeeded: adopt {@code webSocket} and say hello, or abort it if stale. */
        void opened(Socket socket, WebSocket webSocket);

        /** A whole text frame arrived. */
        void received(Socket socket, String json);

        /** The server closed the socket with {@code code}. */
        void closed(Socket socket, int code, String reason);

        /** The socket failed. */
        void failed(Socket socket, Throwable error);
    }

    private final Object lock;
    private final Handler handler;
    /** Where failures found while writing are reported, off the writer's thread. */
    private final Executor executor;

    private final StringBuilder text = new StringBuilder();
    /** {@link System#nanoTime()} of the last frame received, to spot a socket that died silently. */
    volatile long lastReceived = System.nanoTime();

    private CompletableFuture<Void> writes = CompletableFuture.completedFuture(null);
    /** The JDK socket, once open. */
    WebSocket webSocket;
    /** The id of this socket's {@code hello}. */
    String helloId;
    /** The handshake is complete: requests are written at once. */
    boolean ready;
    /** The socket URI of this attempt, for messages. */
    URI target;

    Socket(Object lock, Handler handler, Executor executor) {
        this.lock = lock;
        this.handler = handler;
        this.executor = executor;
    }

    @Override
    public void onOpen(WebSocket opened) {
        handler.opened(this, opened);
    }

    @Override
    public CompletionStage<?> onText(WebSocket from, CharSequence data, boolean last) {
        text.append(data); // the JDK calls one at a time, so the buffer needs no lock
        lastReceived = System.nanoTime();
        try {
            if (last) {
                String json = text.toString();
                text.setLength(0);
                handler.received(this, json);
            }
        } catch (RuntimeException e) {
            log.error("Failed to handle a frame; reading on", e);
        } finally {
            // Always ask for more: a socket that stops reading never learns that it died.
            from.request(1);
        }
        return null;
    }

    @Override
    public CompletionStage<?> onPing(WebSocket from, ByteBuffer message) {
        lastReceived = System.nanoTime(); // the JDK answers with a pong by itself
        from.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onPong(WebSocket from, ByteBuffer message) {
        lastReceived = System.nanoTime();
        from.request(1);
        return null;
    }

    /** Sends a ping after the pending writes; the server's pong proves the socket alive. */
    void ping() {
        WebSocket target = webSocket;
        if (target == null) {
            return;
        }
        writes = writes.thenCompose(ignored -> target.sendPing(ByteBuffer.allocate(0)))
                .handle((sent, error) -> {
                    if (error != null) {
                        CompletableFuture.runAsync(() -> handler.failed(this, error), executor);
                    }
                    return null;
                });
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket from, ByteBuffer data, boolean last) {
        from.request(1); // the protocol has no binary frames
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket from, int statusCode, String reason) {
        handler.closed(this, statusCode, reason);
        return null;
    }

    @Override
    public void onError(WebSocket from, Throwable error) {
        handler.failed(this, error);
    }

    /** Sends a frame after those written before it. Under the lock, once open. */
    void write(String json) {
        WebSocket target = webSocket;
        writes = writes.thenCompose(ignored -> target.sendText(json, true)).handle((sent, error) -> {
            if (error != null) {
                log.debug("Send failed; the outbox keeps the request for the next socket", error);
                // A failed write means a dead socket even if no read noticed yet:
                // report it (off this thread, which may hold the client's lock).
                CompletableFuture.runAsync(() -> handler.failed(this, error), executor);
            }
            return null;
        });
    }

    /**
     * Says goodbye after the pending writes; the JDK drops the connection when the server
     * answers the close. A server that does not answer within {@link #CLOSE_GRACE} is cut off.
     */
    void sendClose() {
        WebSocket target;
        CompletableFuture<Void> pending;
        synchronized (lock) {
            target = webSocket;
            pending = writes;
        }
        if (target == null) {
            return;
        }
        pending.thenCompose(ignored -> target.sendClose(WebSocket.NORMAL_CLOSURE, "bye"))
                .whenComplete((closed, error) -> {
                    if (error != null) {
                        target.abort();
                    }
                });
        SharedPool.timer()
                .schedule(() -> executor.execute(target::abort), CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    }
}
