package dev.concierge.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The few fields of a server frame the load clients act on, read with Jackson's streaming
 * parser: one pass, nothing bound, children the clients do not need are skipped. Reading the
 * fields by name (rather than searching the text) keeps the clients correct whatever order the
 * server writes them in.
 *
 * @param type the frame's {@code type}
 * @param conversationId top-level {@code conversationId}, or null
 * @param kind an event's {@code kind}, or null
 * @param ref the {@code ref} of an ack or error, or null
 * @param code an error's {@code code}, or null
 * @param authorRole an event author's {@code role}, or null
 * @param transcriptSize events in an {@code assigned} frame's handoff transcript, else -1
 * @param transcriptTotal an {@code assigned} frame's {@code transcriptTotal} (every event of the
 *                        conversation; the package holds the last ones), else -1
 * @param queued conversation ids of a {@code queue} frame's entries, else empty
 * @param events events in a {@code transcript} frame, else 0
 * @param lastSeq the {@code seq} of a {@code transcript} frame's last event, else 0
 * @param more a {@code transcript} frame's {@code more}: later events exist
 * @param id an event's {@code id} (the client id of the request that produced it), or null
 * @param node a {@code welcome} frame's {@code node} (the cluster node the socket is on), or null
 */
record Frame(
        String type,
        String conversationId,
        String kind,
        String ref,
        String code,
        String authorRole,
        int transcriptSize,
        int transcriptTotal,
        List<String> queued,
        int events,
        long lastSeq,
        boolean more,
        String id,
        String node) {

    private static final JsonFactory JSON = new JsonFactory();

    boolean is(String t) {
        return t.equals(type);
    }

    /** Reads a frame; a frame that is not a JSON object reads as type {@code "?"}. */
    static Frame parse(String text) {
        String type = "?";
        String conversationId = null;
        String kind = null;
        String ref = null;
        String code = null;
        String role = null;
        int[] transcript = {-1, -1};
        List<String> queued = List.of();
        long[] page = {0, 0};
        boolean more = false;
        String id = null;
        String node = null;
        try (JsonParser p = JSON.createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return new Frame(type, null, null, null, null, null, -1, -1, List.of(), 0, 0, false, null, null);
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                switch (name) {
                    case "type" -> type = text(p);
                    case "conversationId" -> conversationId = text(p);
                    case "kind" -> kind = text(p);
                    case "ref" -> ref = text(p);
                    case "code" -> code = text(p);
                    case "author" -> role = field(p, "role");
                    case "entries" -> queued = entryIds(p);
                    case "handoff" -> transcript = transcriptSize(p);
                    case "events" -> page = eventsAndLastSeq(p);
                    case "more" -> more = p.currentToken() == JsonToken.VALUE_TRUE;
                    case "id" -> id = text(p);
                    case "node" -> node = text(p);
                    default -> p.skipChildren();
                }
            }
        } catch (IOException e) {
            throw new BenchException("unreadable frame from the server: " + text, e);
        }
        return new Frame(
                type,
                conversationId,
                kind,
                ref,
                code,
                role,
                transcript[0],
                transcript[1],
                queued,
                (int) page[0],
                page[1],
                more,
                id,
                node);
    }

    private static String text(JsonParser p) throws IOException {
        return p.currentToken() == JsonToken.VALUE_NULL ? null : p.getText();
    }

    /** The text of one field of the object the parser is at; the rest is skipped. */
    private static String field(JsonParser p, String wanted) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return null;
        }
        String value = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            if (name.equals(wanted)) {
                value = text(p);
            } else {
                p.skipChildren();
            }
        }
        return value;
    }

    private static List<String> entryIds(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            p.skipChildren();
            return List.of();
        }
        List<String> ids = new ArrayList<>();
        while (p.nextToken() == JsonToken.START_OBJECT) {
            String id = field(p, "conversationId");
            if (id != null) {
                ids.add(id);
            }
        }
        return ids;
    }

    /** A handoff package's transcript length and {@code transcriptTotal} (-1 when absent). */
    private static int[] transcriptSize(JsonParser p) throws IOException {
        int[] out = {-1, -1};
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return out;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            if (name.equals("transcript") && p.currentToken() == JsonToken.START_ARRAY) {
                out[0] = 0;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    p.skipChildren();
                    out[0]++;
                }
            } else if (name.equals("transcriptTotal") && p.currentToken() == JsonToken.VALUE_NUMBER_INT) {
                out[1] = p.getIntValue();
            } else {
                p.skipChildren();
            }
        }
        return out;
    }

    /** A transcript's event count and the seq of its last event. */
    private static long[] eventsAndLastSeq(JsonParser p) throws IOException {
        long[] out = {0, 0};
        if (p.currentToken() != JsonToken.START_ARRAY) {
            p.skipChildren();
            return out;
        }
        while (p.nextToken() == JsonToken.START_OBJECT) {
            String seq = field(p, "seq");
            out[0]++;
            if (seq != null) {
                out[1] = Long.parseLong(seq);
            }
        }
        return out;
    }
}
