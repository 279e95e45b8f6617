package dev.concierge.server.testing;

import dev.concierge.server.ChatServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * HTTP/1.1 over a plain socket, for what {@link java.net.http.HttpClient} cannot do: send from a
 * chosen loopback address (127.0.0.2, ...: another client as the server sees it) and pipeline
 * many requests on one connection.
 */
public final class RawHttp implements AutoCloseable {
    /** One response: status, headers (lower-case names) and body. */
    public record Response(int status, Map<String, String> headers, String body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    /** A connection to the server from {@code from}, a loopback address. */
    public RawHttp(ChatServer server, String from) throws IOException {
        socket = new Socket();
        socket.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
        socket.setSoTimeout(20_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /** One POST, answered on a connection of its own. */
    public static Response post(ChatServer server, String from, String path, String body) throws IOException {
        try (RawHttp http = new RawHttp(server, from)) {
            http.send("POST", path, body);
            return http.read();
        }
    }

    /** A sign-in attempt from {@code from}. */
    public static Response login(ChatServer server, String from, String username, String password) throws IOException {
        return post(
                server,
                from,
                "/api/agent/login",
                "{\"username\":\"" + username + "\",\"password\":\"" + password + "\"}");
    }

    /** One GET with {@code Authorization: Bearer <bearer>}, answered on a connection of its own. */
    public static Response get(ChatServer server, String from, String path, String bearer) throws IOException {
        try (RawHttp http = new RawHttp(server, from)) {
            http.send("GET", path, "", "Authorization: Bearer " + bearer + "\r\n");
            return http.read();
        }
    }

    /** Writes a request without waiting for its answer (to pipeline several). */
    public void send(String method, String path, String body) throws IOException {
        send(method, path, body, "");
    }

    /** Writes a request with more header lines ({@code headers}, each ending in CRLF). */
    public void send(String method, String path, String body, String headers) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String head = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + headers + "Content-Length: " + bytes.length + "\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
    }

    /** Reads the next response (with a Content-Length body); fails after 20 s without one. */
    public Response read() throws IOException {
        String status = line();
        Map<String, String> headers = new TreeMap<>();
        for (String l = line(); !l.isEmpty(); l = line()) {
            int colon = l.indexOf(':');
            headers.put(
                    l.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                    l.substring(colon + 1).trim());
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        byte[] body = in.readNBytes(length);
        return new Response(Integer.parseInt(status.split(" ")[1]), headers, new String(body, StandardCharsets.UTF_8));
    }

    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new IOException("connection closed");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
