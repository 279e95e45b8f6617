package dev.concierge.server.mail;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** A loopback SMTP server that answers each connection's RCPT with the next of the replies given. */
final class ReplyingSmtpServer implements AutoCloseable {
    private final ServerSocket socket = new ServerSocket(0);
    private final Thread thread;

    ReplyingSmtpServer(List<String> rcptReplies) throws Exception {
        thread = new Thread(() -> {
            for (String rcpt : rcptReplies) {
                try (Socket s = socket.accept();
                        BufferedReader in = new BufferedReader(
                                new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                        Writer out = new OutputStreamWriter(s.getOutputStream(), StandardCharsets.US_ASCII)) {
                    out.write("220 test ESMTP\r\n");
                    out.flush();
                    for (String line; (line = in.readLine()) != null; ) {
                        String verb = line.length() >= 4 ? line.substring(0, 4).toUpperCase() : line;
                        String reply =
                                switch (verb) {
                                    case "EHLO", "HELO" -> "250 test";
                                    case "RCPT" -> rcpt;
                                    case "QUIT" -> "221 bye";
                                    case "DATA" -> "354 go on";
                                    default -> "250 ok";
                                };
                        out.write(reply + "\r\n");
                        out.flush();
                        if (verb.equals("QUIT")) {
                            break;
                        }
                    }
                } catch (Exception e) {
                    return;
                }
            }
        });
        thread.setDaemon(true);
        thread.start();
    }

    int port() {
        return socket.getLocalPort();
    }

    @Override
    public void close() throws java.io.IOException {
        socket.close();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
