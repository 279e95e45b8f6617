package dev.concierge.server.mail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.server.auth.Site;
import dev.concierge.store.ConversationStore;
import dev.concierge.store.ConversationStore.QueuedMail;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Renders the confirmation of a message left while nobody was available: the visitor's text,
 * read back from the stored event that caused the mail (the outbox keeps no copy), with the
 * {@link MailTemplates} of the row's site in the row's language (payload {@code language}), as
 * plain text and as HTML with every character of the visitor's text escaped; inline style only, no
 * image and no remote resource. Sent from the site's {@code email.from}, else the server's.
 */
final class Confirmations implements MailSender.Renderer {
    /** The outbox kind this renders. */
    static final String KIND = "confirmation";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ConversationStore store;
    private final String from;
    private final Map<String, Site> sites;
    private final MailTemplates templates = new MailTemplates();

    Confirmations(ConversationStore store, String from, Map<String, Site> sites) {
        this.store = Objects.requireNonNull(store, "store");
        this.from = Objects.requireNonNull(from, "from");
        this.sites = Map.copyOf(sites);
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
        Optional<Site> site = Optional.ofNullable(sites.get(queued.mail().site()));
        String language;
        try {
            JsonNode payload = JSON.readTree(queued.mail().payload());
            language = payload == null ? null : payload.path("language").asText(null);
        } catch (IOException e) {
            language = null;
        }
        Map<String, Object> scope = new HashMap<>();
        scope.put("said", said);
        site.flatMap(Site::title).ifPresent(t -> scope.put("siteTitle", t));
        String sender = site.flatMap(Site::email).flatMap(Site.Email::from).orElse(from);
        return templates.render(KIND, site, language, scope, sender);
    }
}
