package dev.concierge.server.mail;

import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.store.ConversationStore;
import dev.concierge.store.ConversationStore.QueuedMail;
import java.util.Objects;
import org.owasp.encoder.Encode;

/**
 * Renders the confirmation of a message left while nobody was available: the visitor's text,
 * read back from the stored event that caused the mail (the outbox keeps no copy), as plain text
 * and as HTML with every character of the visitor's text escaped; inline style only, no image and
 * no remote resource.
 */
final class Confirmations implements MailSender.Renderer {
    /** The outbox kind this renders. */
    static final String KIND = "confirmation";

    private final ConversationStore store;
    private final String from;

    Confirmations(ConversationStore store, String from) {
        this.store = Objects.requireNonNull(store, "store");
        this.from = Objects.requireNonNull(from, "from");
    }

    @Override
    public MailContent render(QueuedMail queued) {
        if (!queued.mail().kind().equals(KIND)) {
            throw new IllegalArgumentException(
                    "no template for emails of kind " + queued.mail().kind());
        }
        String conversation = queued.mail().conversationId();
        long seq = queued.mail().seq();
        TranscriptEvent event = store.events(conversation, seq - 1).stream()
                .filter(e -> e.seq() == seq)
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("event " + seq + " of " + conversation + " is gone"));
        String said = event.text() == null ? "" : event.text();
        String text = "We have your message and will reply to this address.\n\nYou wrote:\n\n" + said + "\n";
        String html = "<!DOCTYPE html><html><body style=\"font-family:sans-serif;line-height:1.4\">"
                + "<p>We have your message and will reply to this address.</p><p>You wrote:</p>"
                + "<blockquote style=\"white-space:pre-wrap;border-left:3px solid #ccc;margin:0;padding-left:12px\">"
                + Encode.forHtmlContent(said) + "</blockquote></body></html>";
        return new MailContent(from, "We have your message", text, html);
    }
}
