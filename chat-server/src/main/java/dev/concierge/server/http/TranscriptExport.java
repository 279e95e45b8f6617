package dev.concierge.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.protocol.Attachment;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.TranscriptEvent.Kind;
import dev.concierge.server.attach.FileUrls;
import dev.concierge.server.auth.AgentAuth;
import dev.concierge.store.ConversationRecord;
import dev.concierge.store.ConversationStore;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Transcript downloads for agents, visitors and integrations: who may read which conversation,
 * and the plain-text and JSON renderings. Reads the store, so call it off the event loops.
 */
public final class TranscriptExport {
    /** How a continuation line of a multi-line event starts: never with "[", so never a forged event. */
    static final String CONTINUATION = "    ";

    private static final Pattern LINE_BREAK = Pattern.compile("\r\n|[\n\r\u000b\u000c\u0085\u2028\u2029]");
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

    private final ConversationStore store;
    private final AgentAuth auth;
    private final ObjectMapper json;
    private final FileUrls files;

    /** Downloads of {@code store}'s transcripts, for whom {@code auth} allows, without links to files. */
    public TranscriptExport(ConversationStore store, AgentAuth auth, ObjectMapper json) {
        this(store, auth, json, FileUrls.NONE);
    }

    /**
     * Downloads of {@code store}'s transcripts, for whom {@code auth} allows; the files messages
     * carry are linked by {@code files}.
     */
    public TranscriptExport(ConversationStore store, AgentAuth auth, ObjectMapper json, FileUrls files) {
        this.store = store;
        this.auth = auth;
        this.json = json;
        this.files = files;
    }

    /** A rendered transcript. */
    record Export(String contentType, String filename, byte[] body) {}

    /**
     * The transcript if the caller may read it: agents ({@code Bearer st_…}) any conversation,
     * visitors ({@code Visitor vt_…}) only their own. Empty for a missing conversation and for
     * one the caller may not read alike.
     */
    Optional<Export> export(String authorization, String conversationId, String format) throws Exception {
        Optional<ConversationRecord> record = store.conversation(conversationId);
        if (record.isEmpty() || !allowed(authorization, record.get())) {
            return Optional.empty();
        }
        List<TranscriptEvent> events = store.events(conversationId, 0);
        if (!authorization.startsWith("Bearer ")) {
            // Internal notes are for agents only.
            events = events.stream().filter(e -> e.kind() != Kind.NOTE).toList();
        }
        if ("txt".equals(format)) {
            return Optional.of(new Export(
                    "text/plain; charset=utf-8",
                    "conversation-" + conversationId + ".txt",
                    text(record.get(), events, files).getBytes(StandardCharsets.UTF_8)));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("conversation", record.get());
        body.put("events", events);
        List<Map<String, String>> carried = new ArrayList<>();
        for (TranscriptEvent e : events) {
            if (e.attachment() != null) {
                Map<String, String> file = new LinkedHashMap<>();
                file.put("id", e.attachment().id());
                file.put("name", e.attachment().name());
                files.lasting(conversationId, e.attachment().id()).ifPresent(url -> file.put("url", url));
                carried.add(file);
            }
        }
        if (!carried.isEmpty()) {
            body.put("files", carried);
        }
        return Optional.of(new Export(
                "application/json",
                "conversation-" + conversationId + ".json",
                json.writerWithDefaultPrettyPrinter().writeValueAsBytes(body)));
    }

    /** Whether the credentials in an Authorization header may read this conversation. */
    boolean allowed(String authorization, ConversationRecord record) {
        if (authorization == null) {
            return false;
        }
        if (authorization.startsWith("Bearer ")) {
            return auth.agentFor(authorization.substring(7).trim()).isPresent();
        }
        if (authorization.startsWith("Visitor ")) {
            return store.visitorByToken(authorization.substring(8).trim())
                    .map(v -> v.id().equals(record.visitorId()))
                    .orElse(false);
        }
        return false;
    }

    static String text(ConversationRecord record, List<TranscriptEvent> events) {
        return text(record, events, FileUrls.NONE);
    }

    static String text(ConversationRecord record, List<TranscriptEvent> events, FileUrls files) {
        StringBuilder out = new StringBuilder();
        out.append("Conversation ")
                .append(record.id())
                .append(", started ")
                .append(TIME.format(record.startedAt()))
                .append(", ")
                .append(record.state().name().toLowerCase())
                .append('\n')
                .append('\n');
        for (TranscriptEvent e : events) {
            out.append('[')
                    .append(TIME.format(e.ts()))
                    .append("] ")
                    .append(continued(line(e)))
                    .append(e.attachment() == null ? "" : file(record.id(), e.attachment(), files))
                    .append('\n');
        }
        return out.toString();
    }

    /**
     * An event's text with every line after the first indented: a message (or a visitor's name)
     * holding a line break followed by "[time] Dana (agent): ..." must not read as an agent's turn.
     */
    private static String continued(String line) {
        return LINE_BREAK.matcher(line).replaceAll("\n" + CONTINUATION);
    }

    /** A file a message carries: its name (one line), type and size, and its lasting URL. */
    private static String file(String conversationId, Attachment a, FileUrls files) {
        String name = LINE_BREAK.matcher(a.name()).replaceAll(" ");
        return " [file: " + name + ", " + a.mediaType() + ", " + sizeOf(a.size())
                + files.lasting(conversationId, a.id()).map(url -> ", " + url).orElse("") + "]";
    }

    /** A size people read: {@code 512 B}, {@code 12 KB}, {@code 3.4 MB}. */
    static String sizeOf(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        if (bytes < 1024 * 1024) {
            return (bytes + 512) / 1024 + " KB";
        }
        return String.format(java.util.Locale.ROOT, "%.1f MB", bytes / (1024.0 * 1024.0));
    }

    private static String line(TranscriptEvent e) {
        String who = e.author().name() + " (" + e.author().role().name().toLowerCase() + ")";
        switch (e.kind()) {
            case MESSAGE:
                return who + ": " + e.text();
            case BOT:
                String how = e.bot() != null && e.bot().answered() && e.bot().entryId() != null
                        ? " [FAQ " + e.bot().entryId()
                                + (e.bot().entryQuestion() != null
                                        ? " “" + e.bot().entryQuestion() + "”"
                                        : "") + ", confidence "
                                + String.format("%.2f", e.bot().confidence()) + "]"
                        : " [not sure, confidence "
                                + (e.bot() == null
                                        ? "?"
                                        : String.format("%.2f", e.bot().confidence())) + "]";
                return who + how + ": " + e.text();
            case CLOSED:
                return "-- closed by " + who + (e.reason() != null ? ": " + e.reason() : "");
            case RATED:
                return "-- rated " + e.score() + "/5 by " + who
                        + (e.comment() != null ? ": \"" + e.comment() + "\"" : "");
            default:
                return "-- " + e.text() + (e.reason() != null ? " (" + e.reason() + ")" : "");
        }
    }
}
