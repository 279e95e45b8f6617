package dev.concierge.store;

import dev.concierge.protocol.TranscriptEvent;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * The only door to durable conversation data. Writes are applied in the order they are
 * submitted and each future completes only once its write is committed, so the router can
 * acknowledge after commit. Implementations must be thread-safe; reads may run on any thread
 * but never on a Netty event loop.
 */
public interface ConversationStore extends AutoCloseable {

    /** Stores or updates a visitor (upsert by id); completes once committed. */
    CompletableFuture<Void> saveVisitor(VisitorRecord visitor);

    /** Stores or updates a conversation's metadata (upsert by id); completes once committed. */
    CompletableFuture<Void> saveConversation(ConversationRecord conversation);

    /**
     * Appends one event to a conversation's transcript; completes once committed. The event's
     * seq must be the conversation's last seq + 1; otherwise the future fails and nothing is
     * stored. Its client id is stored but not checked here: the router answers a resend from
     * {@code Conversation#byClientId}, which {@code Recovery} rebuilds from the stored events.
     */
    CompletableFuture<Void> append(String conversationId, TranscriptEvent event);

    /**
     * Appends consecutive events of one conversation together: each as {@link #append} would,
     * in one transaction where the store has them, so that they commit (and reach the disk) at
     * once, or none does. The router stores a question and the bot's answer to it this way. The
     * default appends them one by one and completes when all have.
     */
    default CompletableFuture<Void> appendAll(String conversationId, List<TranscriptEvent> events) {
        return CompletableFuture.allOf(
                events.stream().map(e -> append(conversationId, e)).toArray(CompletableFuture[]::new));
    }

    /**
     * Appends consecutive events of one conversation as {@link #appendAll(String, List)} does and,
     * in the same transaction, puts {@code mails} in the mail outbox: the events and their emails
     * are committed together or not at all, so an email exists exactly when the event that causes
     * it does (docs/storage.md, "The mail outbox"). Each mail must name this conversation and the
     * seq of one of {@code events}; otherwise the future fails and nothing is stored. A mail whose
     * Message-ID is already in the outbox fails the whole append. The default stores the events
     * alone and refuses any mail: it keeps no outbox.
     */
    default CompletableFuture<Void> appendAll(
            String conversationId, List<TranscriptEvent> events, List<OutboundMail> mails) {
        if (mails.isEmpty()) {
            return appendAll(conversationId, events);
        }
        return CompletableFuture.failedFuture(
                new StoreException("this store keeps no mail outbox: cannot enqueue " + mails.size() + " email(s)"));
    }

    /**
     * Appends events as {@link #appendAll(String, List, List)} does and, in the same transaction,
     * stores {@code webhooks} in the webhook outbox ({@link IntegrationStore.OutboundWebhook}):
     * each must name this conversation and the seq of one of {@code events}. The default refuses
     * any webhook: it keeps no outbox.
     */
    default CompletableFuture<Void> appendAll(
            String conversationId,
            List<TranscriptEvent> events,
            List<OutboundMail> mails,
            List<IntegrationStore.OutboundWebhook> webhooks) {
        if (webhooks.isEmpty()) {
            return appendAll(conversationId, events, mails);
        }
        return CompletableFuture.failedFuture(new StoreException(
                "this store keeps no webhook outbox: cannot enqueue " + webhooks.size() + " webhook(s)"));
    }

    /**
     * The webhooks, API keys and conversation listing of this store (docs/integrations.md); empty
     * for a store that keeps none (the in-memory one).
     */
    default Optional<IntegrationStore> integrations() {
        return Optional.empty();
    }

    /**
     * The attachments of this store's conversations (docs/attachments.md); empty for a store that
     * keeps none (the in-memory one).
     */
    default Optional<AttachmentStore> attachments() {
        return Optional.empty();
    }

    /**
     * The outbox mails a sender should send now, oldest first, at most {@code limit}: those
     * {@link MailState#PENDING} whose next attempt is due at {@code now}, and those left
     * {@link MailState#SENDING} (claimed by a sender that died before recording the outcome; the
     * one sender of a store reads this only between its own claims). Blocking. The default has
     * none.
     */
    default List<QueuedMail> dueMail(Instant now, int limit) {
        return List.of();
    }

    /**
     * Claims outbox mails for sending: each {@link MailState#PENDING} or {@link MailState#SENDING}
     * one becomes {@code SENDING} with one more attempt; completes once committed. A sender
     * claims before it talks to the mail server, so a mail found {@code SENDING} by {@link
     * #dueMail} was claimed by a sender that died: sent again, with the same Message-ID. Mails
     * in another state (cancelled, sent, failed), or no longer stored (purged, erased), are left
     * alone. Completes, once committed, with the ids of the mails this call claimed: a sender
     * sends only those, since a mail read as due may have been cancelled or deleted since. The
     * default keeps no outbox.
     */
    default CompletableFuture<Set<String>> claimMail(List<String> messageIds) {
        return CompletableFuture.failedFuture(new StoreException("this store keeps no mail outbox"));
    }

    /**
     * Records that the mail server accepted a claimed mail at {@code at}: it is never sent
     * again. Completes once committed. The default keeps no outbox.
     */
    default CompletableFuture<Void> mailSent(String messageId, Instant at) {
        return CompletableFuture.failedFuture(new StoreException("this store keeps no mail outbox"));
    }

    /**
     * Records that a claimed mail could not be sent for now ({@code error}: the mail server's
     * reply or the connection's failure, clipped to {@link #MAX_MAIL_ERROR} characters): it is
     * pending again, due at {@code nextAttempt}. Completes once committed. The default keeps no
     * outbox.
     */
    default CompletableFuture<Void> mailDeferred(String messageId, Instant nextAttempt, String error) {
        return CompletableFuture.failedFuture(new StoreException("this store keeps no mail outbox"));
    }

    /**
     * Records that a claimed mail will never be sent ({@code error}: why, clipped as for {@link
     * #mailDeferred}). Completes once committed. The default keeps no outbox.
     */
    default CompletableFuture<Void> mailFailed(String messageId, String error) {
        return CompletableFuture.failedFuture(new StoreException("this store keeps no mail outbox"));
    }

    /**
     * Cancels an outbox mail not yet claimed ({@link MailState#PENDING}): it becomes {@link
     * MailState#FAILED} with {@code reason} (clipped as for {@link #mailDeferred}) and is never
     * sent; e.g. an agent's reply the visitor read in the chat before it was due. A mail claimed,
     * sent or failed already is left alone. Completes once committed. The default keeps no outbox.
     */
    default CompletableFuture<Void> cancelMail(String messageId, String reason) {
        return CompletableFuture.failedFuture(new StoreException("this store keeps no mail outbox"));
    }

    /**
     * Every outbox mail created at or after {@code since}, in any state, oldest first: what the
     * mail limits are counted from again after a restart. Blocking. The default has none.
     */
    default List<QueuedMail> mailCreatedSince(Instant since) {
        return List.of();
    }

    /** The longest error text kept with an outbox mail, in characters. */
    int MAX_MAIL_ERROR = 1000;

    /** Every outbox mail of a conversation, oldest first. Blocking. The default has none. */
    default List<QueuedMail> mailOf(String conversationId) {
        return List.of();
    }

    /**
     * An email to send, caused by the event {@code seq} of a conversation and enqueued with it.
     * {@code messageId} is the email's Message-ID without its angle brackets, fixed here so that
     * a resend carries the same one; {@code kind} names its template ({@code confirmation},
     * {@code agent_reply}…); {@code payload} is what the template needs besides the stored
     * transcript (JSON, at most {@link #MAX_PAYLOAD} characters); {@code createdAt} is also the
     * email's date; {@code notBefore} (at or after {@code createdAt}) is when its first attempt
     * is due (an agent's reply waits a little in case the visitor reads it in the chat). Read
     * back from a store, {@code notBefore} is as enqueued until the first attempt, after which
     * it may read as {@code createdAt}. The constructor rejects a bad value naming the field.
     */
    record OutboundMail(
            String messageId,
            String conversationId,
            long seq,
            String kind,
            String site,
            String recipient,
            String payload,
            Instant createdAt,
            Instant notBefore) {
        /** The longest Message-ID accepted, in characters. */
        public static final int MAX_MESSAGE_ID = 250;
        /** The longest recipient address accepted (RFC 5321's limit on a path). */
        public static final int MAX_RECIPIENT = 254;
        /** The longest payload accepted, in characters. */
        public static final int MAX_PAYLOAD = 65_536;

        private static final Pattern MESSAGE_ID =
                Pattern.compile("[\\x21-\\x3b\\x3d\\x3f-\\x7e]+@[\\x21-\\x3b\\x3d\\x3f-\\x7e]+");
        private static final Pattern RECIPIENT =
                Pattern.compile("[^\\s\\p{Cntrl}@<>,;:\"()\\[\\]\\\\]+@[^\\s\\p{Cntrl}@<>,;:\"()\\[\\]\\\\]+");
        private static final Pattern KIND = Pattern.compile("[a-z_]{1,32}");

        /** Checks every field. */
        public OutboundMail {
            require(messageId, "messageId");
            if (messageId.length() > MAX_MESSAGE_ID
                    || !MESSAGE_ID.matcher(messageId).matches()) {
                throw new IllegalArgumentException("messageId must be id-left@id-right in printable ASCII without"
                        + " spaces or angle brackets, at most " + MAX_MESSAGE_ID + " characters");
            }
            require(conversationId, "conversationId");
            if (seq < 1) {
                throw new IllegalArgumentException("seq must be at least 1, was " + seq);
            }
            require(kind, "kind");
            if (!KIND.matcher(kind).matches()) {
                throw new IllegalArgumentException("kind must be 1 to 32 of a-z and _");
            }
            require(site, "site");
            require(recipient, "recipient");
            if (recipient.length() > MAX_RECIPIENT
                    || !RECIPIENT.matcher(recipient).matches()) {
                throw new IllegalArgumentException(
                        "recipient must be one bare address (local@domain), at most " + MAX_RECIPIENT + " characters");
            }
            Objects.requireNonNull(payload, "payload");
            if (payload.length() > MAX_PAYLOAD) {
                throw new IllegalArgumentException("payload must be at most " + MAX_PAYLOAD + " characters");
            }
            Objects.requireNonNull(createdAt, "createdAt");
            Objects.requireNonNull(notBefore, "notBefore");
            if (notBefore.isBefore(createdAt)) {
                throw new IllegalArgumentException("notBefore must not be before createdAt");
            }
        }

        /** A mail due as soon as it is enqueued ({@code notBefore} = {@code createdAt}). */
        public OutboundMail(
                String messageId,
                String conversationId,
                long seq,
                String kind,
                String site,
                String recipient,
                String payload,
                Instant createdAt) {
            this(messageId, conversationId, seq, kind, site, recipient, payload, createdAt, createdAt);
        }

        private static void require(String value, String field) {
            Objects.requireNonNull(value, field);
            if (value.isBlank()) {
                throw new IllegalArgumentException(field + " must not be blank");
            }
        }
    }

    /** Where an outbox mail stands. */
    enum MailState {
        /** Waiting for its next attempt. */
        PENDING,
        /** Claimed by a sender, which has not recorded the outcome yet. */
        SENDING,
        /** Accepted by the mail server. */
        SENT,
        /** Refused for good, or out of attempts. */
        FAILED
    }

    /**
     * An outbox mail and where it stands: its state, the attempts made so far, when the next is
     * due, when it was sent and the last error the mail server gave, if any.
     */
    record QueuedMail(
            OutboundMail mail,
            MailState state,
            int attempts,
            Instant nextAttemptAt,
            Optional<Instant> sentAt,
            Optional<String> lastError) {}

    /** The events of a conversation with {@code seq > afterSeq}, in seq order. */
    List<TranscriptEvent> events(String conversationId, long afterSeq);

    /** A conversation's metadata. */
    Optional<ConversationRecord> conversation(String conversationId);

    /** A visitor's conversations, oldest first. */
    List<ConversationRecord> conversationsOf(String visitorId);

    /** Conversations not closed, oldest first: what a restarted server must pick up again. */
    List<ConversationRecord> openConversations();

    /**
     * Conversations with an event whose text contains {@code query} (case-insensitive; plain
     * text, no wildcards), newest first, at most {@code limit}: the console's search.
     */
    List<ConversationRecord> search(String query, int limit);

    /**
     * The conversations started in {@code [from, to)}, oldest first, at most {@code limit}, each
     * with its whole transcript: what the insights are computed from.
     */
    List<ConversationTranscript> transcriptsStartedBetween(Instant from, Instant to, int limit);

    /** A visitor by id. */
    Optional<VisitorRecord> visitor(String visitorId);

    /** A visitor by their secret token. */
    Optional<VisitorRecord> visitorByToken(String token);

    /**
     * Links a verified user of a site to a visitor (upsert: a user is one visitor); completes once
     * committed. Only identities verified with the site's secret may be linked.
     */
    CompletableFuture<Void> linkUser(String site, String userId, String visitorId);

    /** The visitor a verified user of a site is linked to. */
    Optional<String> visitorOfUser(String site, String userId);

    /**
     * An agent's sign-in session as the store keeps it: the SHA-256 of its token (lower-case hex,
     * never the token itself), the agent's id, when the session was last used, the fingerprint of
     * the password hash the agent signed in with (a session whose agent's hash changed is void),
     * and when it was signed in (for the absolute session lifetime). Saving a session again
     * updates only its last use.
     */
    record AgentSession(String tokenHash, String agentId, Instant lastUsed, String credential, Instant createdAt) {}

    /**
     * Remembers an agent's session so that it survives a restart (upsert by token hash);
     * completes once committed. The default keeps nothing: sessions end with the process.
     */
    default CompletableFuture<Void> saveAgentSession(AgentSession session) {
        return CompletableFuture.completedFuture(null);
    }

    /** Forgets one session (the agent signed out); completes once committed. */
    default CompletableFuture<Void> deleteAgentSession(String tokenHash) {
        return CompletableFuture.completedFuture(null);
    }

    /** Forgets every session of an agent (the account was disabled); completes once committed. */
    default CompletableFuture<Void> deleteAgentSessionsOf(String agentId) {
        return CompletableFuture.completedFuture(null);
    }

    /**
     * The sessions last used at or after {@code since}, for a server that starts; older ones
     * are deleted. Blocking: not on an event loop.
     */
    default List<AgentSession> agentSessionsUsedSince(Instant since) {
        return List.of();
    }

    /**
     * Remembers that an admin disabled an agent ({@code disabled} true, upsert) or enabled it
     * again (false), so that a restart keeps it; completes once committed. The default keeps
     * nothing.
     */
    default CompletableFuture<Void> saveAgentDisabled(String agentId, boolean disabled, Instant at) {
        return CompletableFuture.completedFuture(null);
    }

    /** The ids of the agents an admin disabled, for a server that starts. Blocking. */
    default List<String> disabledAgents() {
        return List.of();
    }

    // ---- retention and erasure (docs/storage.md, "Retention and erasure") ----

    /**
     * What a purge or an erasure deleted: the conversations (their metadata as it was) and the
     * visitors whose rows went with them.
     */
    record Removed(List<ConversationRecord> conversations, List<String> visitorIds) {
        public Removed {
            conversations = List.copyOf(conversations);
            visitorIds = List.copyOf(visitorIds);
        }

        /** Nothing removed. */
        public static final Removed NONE = new Removed(List.of(), List.of());
    }

    /**
     * Deletes every closed conversation last changed before {@code cutoff}, with its events
     * (messages, bot turns, agents' notes, ratings), and then every visitor first seen before
     * {@code cutoff} who has no conversation left, with their verified-user links. Each deleted
     * conversation leaves its anonymous figures ({@link #figuresStartedBetween}) for the insights.
     * Blocking: not on an event loop or the router thread. The default keeps everything.
     */
    default Removed purgeClosedBefore(Instant cutoff) {
        return Removed.NONE;
    }

    /**
     * Deletes everything stored about a visitor: their row, their verified-user links, and every
     * conversation of theirs (open or closed) with its events; each conversation leaves its
     * anonymous figures. The caller closes a live conversation first. Blocking. The default keeps
     * everything.
     */
    default Removed eraseVisitor(String visitorId) {
        return Removed.NONE;
    }

    /**
     * The anonymous figures of deleted conversations started in {@code [from, to)}, oldest
     * first, at most {@code limit}: what the insights count besides the stored transcripts. Each
     * carries a fresh random id, not the conversation's, and no comment.
     */
    default List<ConversationMetrics> figuresStartedBetween(Instant from, Instant to, int limit) {
        return List.of();
    }

    /** The ids of visitors whose context holds this email address (case-insensitive), at most 100. Blocking. */
    default List<String> visitorsByEmail(String email) {
        return List.of();
    }

    /**
     * Why the store refuses every write until the server restarts, or empty while it takes
     * them. The embedded SQLite store fails this way once an fsync of its write-ahead log has
     * failed (docs/storage.md); {@code GET /api/health} then answers 503 with this text.
     */
    default Optional<String> failure() {
        return Optional.empty();
    }

    /** Commits pending writes and releases resources. */
    @Override
    void close();
}
