package dev.concierge.server.testing;

import dev.concierge.server.ChatServer;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket written by hand over a plain socket, for frames no real client would send:
 * oversize lengths, endless continuations, bad UTF-8, reserved opcodes, bad close codes.
 */
public final class WireSocket implements AutoCloseable {
    public final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;

    private WireSocket(Socket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.in = new DataInputStream(socket.getInputStream());
    }

    /** Opens a socket and does the handshake; fails unless the server answers 101. */
    public static WireSocket open(ChatServer server, String path) throws IOException {
        return open(server, path, null, 0);
    }

    public static WireSocket open(ChatServer server, String path, String origin, int receiveBuffer) throws IOException {
        Socket s = new Socket();
        if (receiveBuffer > 0) {
            s.setReceiveBufferSize(receiveBuffer);
        }
        s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
        s.setSoTimeout(10_000);
        WireSocket ws = new WireSocket(s);
        String status = ws.handshake(path, origin);
        if (!status.contains(" 101 ")) {
            s.close();
            throw new IOException("handshake refused: " + status);
        }
        return ws;
    }

    /** Sends the upgrade request; returns the status line and leaves the socket after the headers. */
    public String handshake(String path, String origin) throws IOException {
        out.write(handshakeRequest(path, origin).getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return readHead();
    }

    public static String handshakeRequest(String path, String origin) {
        return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                + (origin != null ? "Origin: " + origin + "\r\n" : "") + "\r\n";
    }

    /** Reads an HTTP response head; returns it whole (status line first). */
    public String readHead() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    /** Writes one masked frame header and payload. */
    public void frame(boolean fin, int opcode, byte[] payload) throws IOException {
        out.write(header(fin, opcode, payload.length));
        byte[] masked = payload.clone(); // mask of zeros: legal, and keeps the payload readable
        out.write(masked);
        out.flush();
    }

    /** Just the header of a frame announcing {@code length} bytes (with a zero mask). */
    public static byte[] header(boolean fin, int opcode, long length) {
        ByteArrayOutputStream h = new ByteArrayOutputStream();
        h.write((fin ? 0x80 : 0) | opcode);
        if (length < 126) {
            h.write(0x80 | (int) length);
        } else if (length <= 0xFFFF) {
            h.write(0x80 | 126);
            h.write((int) (length >> 8));
            h.write((int) length);
        } else {
            h.write(0x80 | 127);
            for (int i = 7; i >= 0; i--) {
                h.write((int) (length >> (8 * i)));
            }
        }
        h.write(0);
        h.write(0);
        h.write(0);
        h.write(0);
        return h.toByteArray();
    }

    public void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    public void text(String json) throws IOException {
        frame(true, 0x1, json.getBytes(StandardCharsets.UTF_8));
    }

    /** A frame from the server: opcode and payload. */
    public record Frame(int opcode, byte[] payload) {
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        public int closeCode() {
            return payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005;
        }
    }

    /** The next frame, or empty if the connection ended. */
    public Optional<Frame> read() throws IOException {
        int b0 = in.read();
        if (b0 < 0) {
            return Optional.empty();
        }
        int b1 = in.readUnsignedByte();
        long len = b1 & 0x7F;
        if (len == 126) {
            len = in.readUnsignedShort();
        } else if (len == 127) {
            len = in.readLong();
        }
        byte[] payload = new byte[(int) len];
        in.readFully(payload);
        return Optional.of(new Frame(b0 & 0x0F, payload));
    }

    /** Reads until a close frame (returns its code) or the end of the stream (returns -1). */
    public int awaitClose() throws IOException {
        try {
            while (true) {
                Optional<Frame> f = read();
                if (f.isEmpty()) {
                    return -1;
                }
                if (f.get().opcode() == 0x8) {
                    return f.get().closeCode();
                }
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no close within the socket timeout");
        } catch (IOException e) {
            return -1; // reset by the server
        }
    }

    /** The next text frame, skipping control frames; fails on close. */
    public String awaitText() throws IOException {
        while (true) {
            Frame f = read().orElseThrow(() -> new AssertionError("connection ended"));
            if (f.opcode() == 0x1) {
                return f.text();
            }
            if (f.opcode() == 0x8) {
                throw new AssertionError("closed with " + f.closeCode());
            }
        }
    }

    /** The next text frame containing {@code part}, skipping others. */
    public String awaitTextContaining(String part) throws IOException {
        while (true) {
            String text = awaitText();
            if (text.contains(part)) {
                return text;
            }
        }
    }

    public static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }

    public InputStream input() {
        return in;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
