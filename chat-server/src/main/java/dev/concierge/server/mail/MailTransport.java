package dev.concierge.server.mail;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.MimeMessage;
import java.net.URI;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;

/**
 * Hands a finished email to the outgoing mail server. Blocking: called on the sender's own
 * thread only. A {@link MessagingException} carrying an SMTP reply code of 500 or more means the
 * server refused the email for good; any other failure is worth another attempt.
 */
public interface MailTransport {
    /** How long connecting, and then each read or write, may take. */
    int TIMEOUT_MILLIS = 30_000;

    /** The Jakarta Mail session the emails are built in. */
    Session session();

    /** Sends {@code message} to its recipients; returns once the server accepted it. */
    void send(MimeMessage message) throws MessagingException;

    /**
     * SMTP to {@code server}: {@code smtp://host:port} with STARTTLS required (unless the host is
     * loopback, as a local relay or a test server), or {@code smtps://host:port} with TLS from the
     * start; the server's certificate is checked against its name. With {@code user}, it signs in
     * with {@code password}.
     */
    static MailTransport smtp(URI server, Optional<String> user, Optional<String> password) {
        Objects.requireNonNull(server, "server");
        String scheme = String.valueOf(server.getScheme()).toLowerCase(Locale.ROOT);
        if (!scheme.equals("smtp") && !scheme.equals("smtps")) {
            throw new IllegalArgumentException("smtp must be smtp://host:port or smtps://host:port, was " + server);
        }
        if (server.getHost() == null || server.getPort() < 1 || server.getPort() > 65_535) {
            throw new IllegalArgumentException("smtp must name a host and a port from 1 to 65535, was " + server);
        }
        String host = server.getHost();
        boolean loopback = host.equals("localhost") || host.equals("127.0.0.1") || host.equals("[::1]");
        Properties p = new Properties();
        String prefix = "mail." + scheme + ".";
        p.setProperty("mail.transport.protocol", scheme);
        p.setProperty(prefix + "host", host);
        p.setProperty(prefix + "port", String.valueOf(server.getPort()));
        p.setProperty(prefix + "connectiontimeout", String.valueOf(TIMEOUT_MILLIS));
        p.setProperty(prefix + "timeout", String.valueOf(TIMEOUT_MILLIS));
        p.setProperty(prefix + "writetimeout", String.valueOf(TIMEOUT_MILLIS));
        p.setProperty(prefix + "ssl.checkserveridentity", "true");
        if (scheme.equals("smtp") && !loopback) {
            p.setProperty(prefix + "starttls.enable", "true");
            p.setProperty(prefix + "starttls.required", "true");
        }
        user.ifPresent(u -> p.setProperty(prefix + "auth", "true"));
        Session session = Session.getInstance(p);
        return new MailTransport() {
            @Override
            public Session session() {
                return session;
            }

            @Override
            public void send(MimeMessage message) throws MessagingException {
                try (Transport t = session.getTransport(scheme)) {
                    if (user.isPresent()) {
                        t.connect(host, server.getPort(), user.get(), password.orElse(""));
                    } else {
                        t.connect();
                    }
                    message.saveChanges();
                    t.sendMessage(message, message.getAllRecipients());
                }
            }

            @Override
            public String toString() {
                return scheme + "://" + host + ":" + server.getPort();
            }
        };
    }
}
