package dev.concierge.store;

import dev.concierge.protocol.VisitorContext;
import java.time.Instant;
import java.util.Objects;

/**
 * A visitor's stored identity and latest context.
 *
 * @param id the visitor id
 * @param token the visitor's secret token (stores keep only its SHA-256)
 * @param context what the widget or app last told about the visitor
 * @param firstSeen when the visitor first connected
 */
public record VisitorRecord(String id, String token, VisitorContext context, Instant firstSeen) {
    public VisitorRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(token, "token");
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(firstSeen, "firstSeen");
    }
}
