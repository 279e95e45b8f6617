package dev.concierge.server.webhook;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * A webhook receiver on 127.0.0.1 for the client's tests: a plain blocking server (or a TLS one)
 * that counts the connections it accepts, records each request exactly as it arrived and answers
 * with what the test says.
 */
final class WebhookReceiver implements AutoCloseable {
    /** A request as received: the request line, the headers (lower-case names) and the body bytes. */
    record Received(String requestLine, Map<String, String> headers, byte[] body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** How to answer a request: writes to the connection's output. */
    @FunctionalInterface
    interface Answer {
        void write(Received request, OutputStream out) throws IOException;
    }

    private final ServerSocket server;
    private final Answer answer;
    private final AtomicInteger accepts = new AtomicInteger();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final List<Throwable> writeFailures = new CopyOnWriteArrayList<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    private WebhookReceiver(ServerSocket server, Answer answer) {
        this.server = server;
        this.answer = answer;
        threads.execute(this::acceptLoop);
    }

    /** A plain HTTP receiver answering with {@code answer}. */
    static WebhookReceiver plain(Answer answer) throws IOException {
        return new WebhookReceiver(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), answer);
    }

    /** An HTTPS receiver with the key and certificate of {@code tls}. */
    static WebhookReceiver tls(SSLContext tls, Answer answer) throws IOException {
        ServerSocket server = tls.getServerSocketFactory().createServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return new WebhookReceiver(server, answer);
    }

    /** Answers with {@code status}, the extra header lines given and {@code body}. */
    static Answer status(int status, String body, String... headerLines) {
        return (request, out) -> {
            StringBuilder head = new StringBuilder("HTTP/1.1 " + status + " Whatever\r\n");
            for (String line : headerLines) {
                head.append(line).append("\r\n");
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            head.append("Content-Length: ").append(bytes.length).append("\r\n\r\n");
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(bytes);
            out.flush();
        };
    }

    /** Never answers: holds the connection until the client or the receiver closes it. */
    static Answer silent() {
        return (request, out) -> {
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }

    int port() {
        return server.getLocalPort();
    }

    String url(String scheme, String host, String path) {
        return scheme + "://" + host + ":" + port() + path;
    }

    /** The TCP connections accepted so far. */
    int accepts() {
        return accepts.get();
    }

    List<Received> received() {
        return received;
    }

    /** The errors that ended answers while they were being written (the client hung up). */
    List<Throwable> writeFailures() {
        return writeFailures;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                accepts.incrementAndGet();
                open.add(socket);
                threads.execute(() -> serve(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            Received request = read(in);
            received.add(request);
            try {
                answer.write(request, socket.getOutputStream());
            } catch (IOException e) {
                writeFailures.add(e);
            }
        } catch (IOException e) {
            // A handshake refused by the client or a connection closed before its request.
        } finally {
            open.remove(socket);
        }
    }

    private static Received read(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed before the end of the request's head");
            }
            head.write(b);
            state = (b == '\r' && state % 2 == 0) || (b == '\n' && state % 2 == 1) ? state + 1 : 0;
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        Map<String, String> headers = new TreeMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(
                    lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                    lines[i].substring(colon + 1).trim());
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        byte[] body = in.readNBytes(length);
        return new Received(lines[0], headers, body);
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : open) {
            socket.close();
        }
        threads.shutdownNow();
    }
}
