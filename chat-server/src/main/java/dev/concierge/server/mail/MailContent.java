package dev.concierge.server.mail;

import java.util.Objects;

/**
 * What one email says: its sender, subject, and the same message as plain text and as HTML (sent
 * as {@code multipart/alternative}). Rendered from an outbox row when it is sent, never stored.
 */
public record MailContent(String from, String subject, String text, String html) {
    /** Checks that no part is missing. */
    public MailContent {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(html, "html");
    }
}
