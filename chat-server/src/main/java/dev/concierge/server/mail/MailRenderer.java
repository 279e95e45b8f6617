package dev.concierge.server.mail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.protocol.Page;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.TranscriptEvent.Kind;
import dev.concierge.protocol.VisitorContext;
import dev.concierge.server.attach.FileUrls;
import dev.concierge.server.auth.Site;
import dev.concierge.store.ConversationStore;
import dev.concierge.store.ConversationStore.OutboundMail;
import dev.concierge.store.ConversationStore.QueuedMail;
import dev.concierge.store.VisitorRecord;
import java.io.IOException;
import java.net.URI;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Renders every kind of outbox mail from its row and the stored conversation (the outbox keeps
 * no copy of what anyone wrote), with the {@link MailTemplates} of the row's site in the row's
 * language (payload {@code language}), sent from the site's {@code email.from}, else the
 * server's:
 *
 * <ul>
 *   <li>{@code confirmation}: the visitor's left message (the event {@code seq});
 *   <li>{@code agent_reply} (payload {@code agentName}): the conversation up to its latest message
 *       at render time, so agent messages written after the row was enqueued go out in the same
 *       mail;
 *   <li>{@code transcript}: the conversation up to the row's {@code seq};
 *   <li>{@code agent_alert} (payload {@code reason} {@code follow_up}|{@code long_wait}, {@code
 *       agentName}, {@code visitorName}?, {@code waitedSeconds}?): to an agent, the visitor's latest
 *       message;
 *   <li>{@code webhook_paused} (payload {@code agentName}, {@code endpointId}, {@code url}, {@code
 *       description}?, {@code reason}, {@code pausedAt}, {@code waiting}): to an admin, a webhook
 *       endpoint the sender paused; no conversation is read.
 * </ul>
 *
 * <p>A conversation shows messages and bot answers only (notes and state changes are left out),
 * each with its author's name and a time in the visitor's time zone when the widget told it,
 * else UTC; at most {@link #MAX_SHOWN} of the latest, with the number left out. A "continue the
 * chat" link goes to the page the visitor was on, only if it is {@code http:} or {@code https:}.
 */
final class MailRenderer implements MailSender.Renderer {
    static final String CONFIRMATION = "confirmation";
    static final String AGENT_REPLY = "agent_reply";
    static final String TRANSCRIPT = "transcript";
    static final String AGENT_ALERT = "agent_alert";
    static final String WEBHOOK_PAUSED = "webhook_paused";
    /** Every kind this renders. */
    static final Set<String> KINDS = Set.of(CONFIRMATION, AGENT_REPLY, TRANSCRIPT, AGENT_ALERT, WEBHOOK_PAUSED);
    /** The most messages a mail shows: the latest ones. */
    static final int MAX_SHOWN = 100;
    /** The longest page URL linked to, in characters. */
    static final int MAX_LINK = 2048;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ConversationStore store;
    private final String from;
    private final Map<String, Site> sites;
    private final MailTemplates templates = new MailTemplates();
    private final FileUrls files;

    MailRenderer(ConversationStore store, String from, Map<String, Site> sites) {
        this(store, from, sites, FileUrls.NONE);
    }

    MailRenderer(ConversationStore store, String from, Map<String, Site> sites, FileUrls files) {
        this.store = Objects.requireNonNull(store, "store");
        this.from = Objects.requireNonNull(from, "from");
        this.sites = Map.copyOf(sites);
        this.files = Objects.requireNonNull(files, "files");
    }

    @Override
    public MailContent render(QueuedMail queued) {
        OutboundMail mail = queued.mail();
        if (!KINDS.contains(mail.kind())) {
            throw new IllegalArgumentException("no template for emails of kind " + mail.kind());
        }
        JsonNode payload = payload(mail);
        String language = text(payload, "language").orElse(null);
        Optional<Site> site = Optional.ofNullable(sites.get(mail.site()));
        String sender = site.flatMap(Site::email).flatMap(Site.Email::from).orElse(from);
        if (mail.kind().equals(WEBHOOK_PAUSED)) {
            return templates.render(WEBHOOK_PAUSED, site, language, webhookPaused(mail, payload, site), sender);
        }
        String conversation = mail.conversationId();
        List<TranscriptEvent> events = store.events(conversation, 0);
        Optional<VisitorContext> visitor = store.conversation(conversation)
                .flatMap(c -> store.visitor(c.visitorId()))
                .map(VisitorRecord::context);
        Map<String, Object> scope = new HashMap<>();
        site.flatMap(Site::title).ifPresent(t -> scope.put("siteTitle", t));
        String subjectKey = mail.kind();
        switch (mail.kind()) {
            case CONFIRMATION -> {
                TranscriptEvent event = events.stream()
                        .filter(e -> e.seq() == mail.seq())
                        .findFirst()
                        .orElseThrow(() -> new IllegalArgumentException(
                                "event " + mail.seq() + " of " + conversation + " is gone"));
                scope.put("said", event.text() == null ? "" : event.text());
                link(visitor).ifPresent(l -> scope.put("link", l));
            }
            case AGENT_REPLY -> {
                text(payload, "agentName").map(MailTemplates::oneLine).ifPresent(n -> scope.put("agentName", n));
                long upTo = events.stream()
                        .filter(MailRenderer::isMessage)
                        .mapToLong(TranscriptEvent::seq)
                        .max()
                        .orElse(mail.seq());
                conversation(
                        files,
                        mail.conversationId(),
                        scope,
                        events,
                        Math.max(upTo, mail.seq()),
                        zone(visitor),
                        language);
                link(visitor).ifPresent(l -> scope.put("link", l));
            }
            case TRANSCRIPT -> {
                conversation(files, mail.conversationId(), scope, events, mail.seq(), zone(visitor), language);
                link(visitor).ifPresent(l -> scope.put("link", l));
            }
            default -> { // AGENT_ALERT
                String reason = text(payload, "reason").orElse("follow_up");
                if (!reason.equals("follow_up") && !reason.equals("long_wait")) {
                    throw new IllegalArgumentException(
                            "agent_alert reason must be follow_up or long_wait, was " + reason);
                }
                subjectKey = AGENT_ALERT + "." + reason;
                scope.put(reason.equals("follow_up") ? "followUp" : "longWait", Boolean.TRUE);
                text(payload, "agentName").map(MailTemplates::oneLine).ifPresent(n -> scope.put("agentName", n));
                Optional<TranscriptEvent> latest = events.stream()
                        .filter(e ->
                                isMessage(e) && e.author() != null && e.author().role() == Role.VISITOR)
                        .reduce((a, b) -> b);
                Optional<String> visitorName = text(payload, "visitorName")
                        .or(() -> latest.map(e -> e.author().name()))
                        .or(() -> visitor.map(VisitorContext::name));
                visitorName.map(MailTemplates::oneLine).ifPresent(n -> scope.put("visitorName", n));
                latest.map(TranscriptEvent::text).ifPresent(t -> scope.put("said", t));
                if (payload.path("waitedSeconds").canConvertToLong()) {
                    long seconds = Math.max(0, payload.path("waitedSeconds").asLong());
                    scope.put("waitedMinutes", Math.max(1, (seconds + 59) / 60));
                }
            }
        }
        return templates.render(mail.kind(), subjectKey, site, language, scope, sender);
    }

    /** The variables of a {@code webhook_paused} alert: all from its row and payload. */
    private static Map<String, Object> webhookPaused(OutboundMail mail, JsonNode payload, Optional<Site> site) {
        Map<String, Object> scope = new HashMap<>();
        site.flatMap(Site::title).ifPresent(t -> scope.put("siteTitle", t));
        scope.put("site", mail.site());
        text(payload, "agentName").map(MailTemplates::oneLine).ifPresent(n -> scope.put("agentName", n));
        for (String field : List.of("endpointId", "url", "reason")) {
            scope.put(
                    field,
                    text(payload, field)
                            .orElseThrow(() -> new IllegalArgumentException(
                                    "the payload of email " + mail.messageId() + " has no " + field)));
        }
        text(payload, "description").map(MailTemplates::oneLine).ifPresent(d -> scope.put("description", d));
        Instant at = text(payload, "pausedAt").map(Instant::parse).orElse(mail.createdAt());
        scope.put(
                "pausedAt",
                time(text(payload, "language").orElse(null), ZoneOffset.UTC).format(at));
        scope.put("waiting", Math.max(0, payload.path("waiting").asLong()));
        return scope;
    }

    /** A message someone wrote: the visitor's, an agent's, or the left message. */
    private static boolean isMessage(TranscriptEvent e) {
        return (e.kind() == Kind.MESSAGE || e.kind() == Kind.OFFLINE_MESSAGE) && e.text() != null;
    }

    /** What a conversation shows: messages, left messages and the bot's answers. */
    private static boolean shown(TranscriptEvent e) {
        return (isMessage(e) || e.kind() == Kind.BOT) && e.text() != null && e.author() != null;
    }

    /** Puts the shown events up to {@code upToSeq} (the latest {@link #MAX_SHOWN}) in {@code scope}. */
    private static void conversation(
            FileUrls files,
            String conversationId,
            Map<String, Object> scope,
            List<TranscriptEvent> events,
            long upToSeq,
            ZoneId zone,
            String language) {
        List<TranscriptEvent> shown =
                events.stream().filter(e -> e.seq() <= upToSeq && shown(e)).toList();
        int omitted = Math.max(0, shown.size() - MAX_SHOWN);
        DateTimeFormatter time = time(language, zone);
        List<Map<String, Object>> lines = new ArrayList<>();
        for (TranscriptEvent e : shown.subList(omitted, shown.size())) {
            Map<String, Object> line = new HashMap<>();
            // A name is one line: it cannot pose as another line of the conversation.
            line.put(
                    "who",
                    e.author().name() == null
                            ? ""
                            : MailTemplates.oneLine(e.author().name()));
            line.put("time", e.ts() == null ? "" : time.format(e.ts()));
            line.put("text", e.text());
            if (e.attachment() != null) {
                // A file name is one line, like a name; its link is the server's own signed one.
                line.put("file", MailTemplates.oneLine(e.attachment().name()));
                files.lasting(conversationId, e.attachment().id()).ifPresent(url -> line.put("fileUrl", url));
            }
            Role role = e.author().role();
            line.put(role == Role.VISITOR ? "visitor" : role == Role.AGENT ? "agent" : "bot", Boolean.TRUE);
            lines.add(line);
        }
        scope.put("events", lines);
        if (omitted > 0) {
            scope.put("omitted", omitted);
        }
    }

    /** A readable date and time in {@code language}, with the zone's name ({@code 3 Dec 2026, 09:12 UTC}). */
    static DateTimeFormatter time(String languageTag, ZoneId zone) {
        String language = MailTemplates.language(languageTag);
        String zoneName = zone.equals(ZoneOffset.UTC) ? "UTC" : zone.getId();
        String pattern =
                switch (language) {
                    case "fr" -> "d MMM yyyy 'à' HH:mm";
                    case "de" -> "d. MMM yyyy, HH:mm";
                    default -> "d MMM yyyy, HH:mm";
                };
        return DateTimeFormatter.ofPattern(
                        pattern + " '" + zoneName.replace("'", "") + "'", Locale.forLanguageTag(language))
                .withZone(zone);
    }

    /** The visitor's time zone, when the widget told a valid one; else UTC. */
    private static ZoneId zone(Optional<VisitorContext> visitor) {
        Optional<String> tz = visitor.map(VisitorContext::timeZone).filter(z -> !z.isBlank());
        if (tz.isPresent()) {
            try {
                return ZoneId.of(tz.get());
            } catch (DateTimeException e) {
                // not a zone: UTC
            }
        }
        return ZoneOffset.UTC;
    }

    /** The page the visitor was on, if its URL is {@code http:} or {@code https:} with a host. */
    static Optional<String> link(Optional<VisitorContext> visitor) {
        return visitor.map(VisitorContext::page).map(Page::url).flatMap(MailRenderer::webLink);
    }

    /** {@code url} if it is an absolute {@code http:} or {@code https:} URL with a host, at most {@link #MAX_LINK} characters. */
    static Optional<String> webLink(String url) {
        if (url == null || url.length() > MAX_LINK) {
            return Optional.empty();
        }
        try {
            URI u = new URI(url);
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && u.getHost() != null) {
                return Optional.of(u.toASCIIString());
            }
        } catch (java.net.URISyntaxException e) {
            // not a URL: no link
        }
        return Optional.empty();
    }

    private static JsonNode payload(OutboundMail mail) {
        try {
            JsonNode node = JSON.readTree(mail.payload());
            return node == null || !node.isObject() ? JSON.createObjectNode() : node;
        } catch (IOException e) {
            throw new IllegalArgumentException("the payload of email " + mail.messageId() + " is not JSON");
        }
    }

    private static Optional<String> text(JsonNode payload, String field) {
        JsonNode v = payload.path(field);
        return v.isTextual() && !v.asText().isBlank() ? Optional.of(v.asText()) : Optional.empty();
    }
}
