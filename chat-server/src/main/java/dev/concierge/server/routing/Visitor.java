package dev.concierge.server.routing;

import dev.concierge.protocol.Author;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.VisitorContext;
import dev.concierge.protocol.VisitorInfo;
import dev.concierge.store.ConversationRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A visitor's live state; confined to the router thread. */
public final class Visitor {
    public final String id;
    /** The secret token; replaced by the presented one when a stored visitor comes back. */
    String token;

    java.time.Instant firstSeen;
    VisitorContext context = VisitorContext.empty();
    /** {@link #author()} as last made, and the context it was made from. */
    private Author author;

    private VisitorContext authorContext;
    final Set<Session> sessions = new LinkedHashSet<>();
    /**
     * Since when no socket of this visitor has been open, or null while one is: what
     * {@link Expiry} measures a queued visitor's absence by.
     */
    java.time.Instant goneSince;
    /** The verified user ({@code site + "\n" + userId}) this visitor is, or null: anonymous. */
    String user;
    /**
     * The email the site vouched for ({@code identity.emailSignature}) at this visitor's latest
     * verified hello, or null: the email shown is then as typed.
     */
    String verifiedEmail;
    /** The open (not closed) conversation, if any. */
    Conversation open;
    /**
     * The email the visitor gave while no conversation of theirs was open (a hello's or {@code
     * context} frame's context, the pre-chat form), or null: the conversation they start on the
     * same socket session ({@link #givenEmailSession}) gets it as given in it, and it is then
     * forgotten. Never the stored context's email, nor one given in an earlier conversation.
     */
    String givenEmail;
    /** The socket session {@link #givenEmail} was given on, or null. */
    Session givenEmailSession;
    /** All conversation ids, oldest first. */
    final List<String> conversationIds = new ArrayList<>();
    /**
     * Records of conversations no longer live in the router (stored before a restart, or
     * retired after close), so lists of earlier conversations need no store read.
     */
    final Map<String, ConversationRecord> stored = new HashMap<>();
    /** The agent who last helped this visitor, preferred when they come back. */
    String lastAgentId;
    /** The department the site routes this visitor to (hello), or null. */
    String department;
    /** The key of the site whose widget this visitor last said hello from, or null. */
    String site;

    Visitor(String id, String token) {
        this.id = id;
        this.token = token;
    }

    /**
     * Merges what a new hello or {@code context} frame tells: later non-empty values win,
     * attributes are merged. The merged context is held to the limits of a single one
     * ({@link VisitorContext}), so frames cannot grow it past them one key at a time: a merge that
     * would exceed one throws {@link IllegalArgumentException} naming the field, and the context
     * stays as it was.
     */
    void update(VisitorContext next) {
        if (next == null) {
            return;
        }
        Map<String, String> attributes = new HashMap<>(context.attributes());
        attributes.putAll(next.attributes());
        context = new VisitorContext(
                pick(next.name(), context.name()),
                pick(next.email(), context.email()),
                pick(next.language(), context.language()),
                pick(next.timeZone(), context.timeZone()),
                pick(next.userAgent(), context.userAgent()),
                next.page() != null ? next.page() : context.page(),
                attributes);
    }

    private static <T> T pick(T preferred, T fallback) {
        return preferred != null ? preferred : fallback;
    }

    String displayName() {
        return context.name() != null ? context.name() : VisitorContext.defaultName(id);
    }

    /**
     * The author stamped on this visitor's events: one object for as long as the context (and so
     * the name) stays the same, since every stored message keeps a reference to it in memory.
     */
    Author author() {
        if (author == null || authorContext != context) {
            author = new Author(Role.VISITOR, id, displayName());
            authorContext = context;
        }
        return author;
    }

    /**
     * Who the visitor is for agents: a vouched-for email wins over a typed one, and
     * {@code verifiedFields} names exactly what the site vouched for.
     */
    VisitorInfo info() {
        boolean verified = user != null;
        String userId = verified ? user.substring(user.indexOf('\n') + 1) : null;
        boolean emailVerified = verified && verifiedEmail != null;
        return new VisitorInfo(
                id,
                displayName(),
                emailVerified ? verifiedEmail : context.email(),
                context.attributes(),
                verified,
                userId,
                !verified ? List.of() : emailVerified ? List.of("userId", "email") : List.of("userId"));
    }
}
