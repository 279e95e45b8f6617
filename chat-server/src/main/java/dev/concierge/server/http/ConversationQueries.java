package dev.concierge.server.http;

import dev.concierge.protocol.ConversationState;
import dev.concierge.server.auth.ApiPrincipal;
import dev.concierge.store.IntegrationStore;
import dev.concierge.store.IntegrationStore.ConversationQuery;
import dev.concierge.store.IntegrationStore.Cursor;
import dev.concierge.store.IntegrationStore.ListedConversation;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The query parameters of the REST API's conversation lists ({@code state}, {@code department},
 * {@code agent}, {@code since}, {@code until}, {@code site}, {@code limit}, {@code cursor}) and
 * their opaque cursors: base64url of {@code <ISO-8601 time>|<id>}, the last item of a page.
 */
final class ConversationQueries {
    /** The default and largest page. */
    static final int DEFAULT_LIMIT = 25;

    static final int MAX_LIMIT = 100;

    private ConversationQueries() {}

    /** The query, or why the parameters make none. */
    record Parsed(Optional<String> error, ConversationQuery query) {
        static Parsed bad(String message) {
            return new Parsed(Optional.of(message), null);
        }
    }

    /**
     * The query of a list request by {@code p}: a site key's list is of its site only (the caller
     * refuses a site key naming another site first).
     */
    static Parsed parse(Exchange ex, ApiPrincipal p) {
        ConversationState state = null;
        Optional<String> stateName = ex.param("state");
        if (stateName.isPresent()) {
            state = state(stateName.get()).orElse(null);
            if (state == null) {
                return Parsed.bad("state must be one of bot, queued, assigned, follow_up, closed");
            }
        }
        Optional<String> site = ex.param("site");
        Optional<Long> limit = number(ex.param("limit").orElse(String.valueOf(DEFAULT_LIMIT)), 1, MAX_LIMIT);
        if (limit.isEmpty()) {
            return Parsed.bad("limit must be a whole number from 1 to " + MAX_LIMIT);
        }
        Instant since;
        Instant until;
        try {
            since = ex.param("since").map(Instant::parse).orElse(null);
            until = ex.param("until").map(Instant::parse).orElse(null);
        } catch (DateTimeParseException e) {
            return Parsed.bad("since and until must be ISO-8601 times such as 2026-12-01T00:00:00Z");
        }
        Optional<String> cursorText = ex.param("cursor");
        Optional<Cursor> cursor = cursorText.flatMap(ConversationQueries::cursor);
        if (cursorText.isPresent() && cursor.isEmpty()) {
            return Parsed.bad("cursor must be the next of an earlier page");
        }
        for (String name : List.of("department", "agent", "site")) {
            if (ex.param(name).filter(v -> v.isEmpty() || v.length() > 100).isPresent()) {
                return Parsed.bad(name + " must be 1 to 100 characters");
            }
        }
        return new Parsed(
                Optional.empty(),
                new ConversationQuery(
                        p.site().or(() -> site).orElse(null),
                        state,
                        ex.param("department").orElse(null),
                        ex.param("agent").orElse(null),
                        since,
                        until,
                        cursor.orElse(null),
                        limit.get().intValue(),
                        false));
    }

    /**
     * The follow-ups of {@code q}'s site and filters, the oldest activity first (the longest
     * waiting), after the cursor: one page, one query.
     */
    static List<ListedConversation> followUps(IntegrationStore store, Parsed q) {
        ConversationQuery base = q.query();
        return store.conversations(new ConversationQuery(
                base.site(),
                ConversationState.FOLLOW_UP,
                base.department(),
                base.agentId(),
                base.since(),
                base.until(),
                base.after(),
                base.limit(),
                true));
    }

    /** The opaque form of a cursor. */
    static String cursor(Cursor c) {
        return Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString((c.at() + "|" + c.id()).getBytes(StandardCharsets.UTF_8));
    }

    /** The cursor of its opaque form; empty when it is none. */
    static Optional<Cursor> cursor(String text) {
        try {
            String s = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8);
            int bar = s.indexOf('|');
            String id = s.substring(bar + 1);
            if (bar < 0 || id.isEmpty() || id.length() > 64) {
                return Optional.empty();
            }
            return Optional.of(new Cursor(Instant.parse(s.substring(0, bar)), id));
        } catch (IllegalArgumentException | DateTimeParseException | StringIndexOutOfBoundsException e) {
            return Optional.empty();
        }
    }

    /** A state's JSON name: {@code follow_up}… */
    static String wire(ConversationState state) {
        return state.name().toLowerCase(Locale.ROOT);
    }

    static Optional<ConversationState> state(String wire) {
        for (ConversationState s : ConversationState.values()) {
            if (wire(s).equals(wire)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** A whole number from {@code min} to {@code max}; empty when the text is none. */
    static Optional<Long> number(String text, long min, long max) {
        try {
            long n = Long.parseLong(text);
            return n < min || n > max ? Optional.empty() : Optional.of(n);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
