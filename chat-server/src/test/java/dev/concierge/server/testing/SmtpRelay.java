package dev.concierge.server.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP relay in front of an SMTP server (GreenMail) that knows where a mail ends: the
 * client's DATA terminator {@code CRLF . CRLF}. It passes everything, or, for the {@code n}-th
 * mail relayed after {@link #holdReplyAt}/{@link #holdEndAt}, stops at one of the two moments a
 * sender can die in:
 *
 * <ul>
 *   <li>{@link #holdReplyAt}: the terminator reaches the server, which accepts the mail, but its
 *       {@code 250} reply (and anything after) never reaches the client: the client still waits
 *       for the server's word;
 *   <li>{@link #holdEndAt}: everything but the terminator's last line reaches the server, which
 *       therefore never accepts the mail; once the client's connection closes, so does the
 *       server's, and the server drops the incomplete mail.
 * </ul>
 *
 * Held connections stay held until their client goes away (killed, say) or {@link #close()}.
 * Every mail whose terminator was passed on is remembered by its {@code Message-ID} header, so a
 * test can tell which node of a cluster sent what, and that a node sent nothing.
 */
public final class SmtpRelay implements AutoCloseable {
    private static final byte[] TERMINATOR = {'\r', '\n', '.', '\r', '\n'};
    private static final int HEADER_BYTES = 16 * 1024;

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final List<String> relayed = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile boolean closed;

    /** The hold in force: the mail number it stops at and how, with the count since it was set. */
    private record Hold(int at, boolean afterAcceptance, AtomicInteger seen, CompletableFuture<String> held) {}

    private volatile Hold hold;

    private SmtpRelay(ServerSocket server, InetSocketAddress target) {
        this.server = server;
        this.target = target;
        Thread acceptor = new Thread(this::accept, "smtp-relay-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A relay on a free loopback port to the SMTP server at {@code host:port}, passing everything. */
    public static SmtpRelay to(String host, int port) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        return new SmtpRelay(server, new InetSocketAddress(host, port));
    }

    /** The relay's port: give the server {@code --smtp smtp://127.0.0.1:PORT}. */
    public int port() {
        return server.getLocalPort();
    }

    /**
     * From now on, the {@code n}-th mail (1 for the next) reaches the server whole, and the
     * server's reply to it is kept from the client. The future completes with the held mail's
     * Message-ID (without angle brackets) once its terminator has been passed on.
     */
    public CompletableFuture<String> holdReplyAt(int n) {
        return newHold(n, true);
    }

    /**
     * From now on, the {@code n}-th mail (1 for the next) reaches the server without the last
     * line of its terminator, so the server never accepts it. The future completes with the
     * held mail's Message-ID once the rest has been passed on.
     */
    public CompletableFuture<String> holdEndAt(int n) {
        return newHold(n, false);
    }

    /** New connections pass everything (held ones stay held). */
    public void passAll() {
        hold = null;
    }

    /** The Message-IDs (without angle brackets) of the mails whose end reached the server, in order. */
    public List<String> relayed() {
        return List.copyOf(relayed);
    }

    /** How many connections the relay accepted. */
    public int connections() {
        return connections.get();
    }

    private CompletableFuture<String> newHold(int n, boolean afterAcceptance) {
        if (n < 1) {
            throw new IllegalArgumentException("n counts from 1, was " + n);
        }
        Hold h = new Hold(n, afterAcceptance, new AtomicInteger(), new CompletableFuture<>());
        hold = h;
        return h.held();
    }

    private void accept() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            connections.incrementAndGet();
            try {
                Socket upstream = new Socket();
                upstream.connect(target, 5_000);
                open.add(client);
                open.add(upstream);
                Connection c = new Connection(client, upstream);
                start(c::fromClient, "smtp-relay-out");
                start(c::fromServer, "smtp-relay-in");
            } catch (IOException e) {
                closeQuietly(client);
            }
        }
    }

    private static void start(Runnable pump, String name) {
        Thread t = new Thread(pump, name);
        t.setDaemon(true);
        t.start();
    }

    /** One relayed SMTP connection: the client's bytes scanned for the terminator, the server's replies. */
    private final class Connection {
        private final Socket client;
        private final Socket upstream;
        /** Whether the server's bytes are kept from the client (after a held acceptance). */
        private volatile boolean swallowReplies;
        /** Whether the client's bytes are no longer passed on (a held end). */
        private boolean frozen;

        private int matched;
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
        private final ByteArrayOutputStream mail = new ByteArrayOutputStream();

        Connection(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void fromClient() {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = client.getInputStream();
                    OutputStream out = upstream.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    if (frozen) {
                        continue; // read and dropped until the client goes away
                    }
                    ByteArrayOutputStream pass = new ByteArrayOutputStream(n + TERMINATOR.length);
                    for (int i = 0; i < n && !frozen; i++) {
                        scan(buffer[i], pass);
                    }
                    out.write(pass.toByteArray());
                    out.flush();
                }
            } catch (IOException e) {
                // the client or the server went away
            } finally {
                closeBoth();
            }
        }

        /**
         * Adds {@code b} to what is passed on, holding back a possible terminator's "." line
         * until it is whole (its CRLF before ends the mail's last line and goes on at once).
         */
        private void scan(byte b, ByteArrayOutputStream pass) {
            if (mail.size() < HEADER_BYTES) {
                mail.write(b);
            }
            if (b == TERMINATOR[matched]) {
                matched++;
                (matched <= 2 ? pass : pending).write(b);
                if (matched == TERMINATOR.length) {
                    ended(pass);
                }
                return;
            }
            pass.writeBytes(pending.toByteArray());
            pending.reset();
            matched = b == TERMINATOR[0] ? 1 : 0;
            pass.write(b);
        }

        /** A mail's terminator is whole, its "." line in {@link #pending}: pass it on, or hold as the rule says. */
        private void ended(ByteArrayOutputStream pass) {
            String id = messageId(mail.toString(StandardCharsets.ISO_8859_1));
            mail.reset();
            matched = 0;
            Hold h = hold;
            boolean held = h != null && h.seen().incrementAndGet() == h.at();
            if (held && !h.afterAcceptance()) {
                frozen = true; // the "." line never goes on
            } else {
                if (held) {
                    swallowReplies = true; // before the server can have answered
                }
                pass.writeBytes(pending.toByteArray());
                relayed.add(id);
            }
            pending.reset();
            if (held) {
                h.held().complete(id);
            }
        }

        void fromServer() {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = upstream.getInputStream();
                    OutputStream out = client.getOutputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    if (!swallowReplies) {
                        out.write(buffer, 0, n);
                        out.flush();
                    }
                }
            } catch (IOException e) {
                // the client or the server went away
            } finally {
                closeBoth();
            }
        }

        private void closeBoth() {
            closeQuietly(client);
            closeQuietly(upstream);
            open.remove(client);
            open.remove(upstream);
        }
    }

    /** The Message-ID header's value of a mail's head, without angle brackets; "?" if it has none. */
    static String messageId(String mail) {
        List<String> lines = new ArrayList<>(List.of(mail.split("\r\n", -1)));
        boolean inData = false;
        for (String line : lines) {
            if (!inData) {
                inData = line.toUpperCase(Locale.ROOT).startsWith("DATA");
                continue;
            }
            if (line.isEmpty()) {
                break; // the end of the headers
            }
            if (line.toLowerCase(Locale.ROOT).startsWith("message-id:")) {
                String v = line.substring("message-id:".length()).strip();
                return v.startsWith("<") && v.endsWith(">") ? v.substring(1, v.length() - 1) : v;
            }
        }
        return "?";
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Socket s : open) {
            closeQuietly(s);
        }
        open.clear();
        try {
            server.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
