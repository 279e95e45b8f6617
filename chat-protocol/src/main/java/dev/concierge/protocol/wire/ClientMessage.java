package dev.concierge.protocol.wire;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.concierge.protocol.Attachment;
import dev.concierge.protocol.Identity;
import dev.concierge.protocol.PresenceStatus;
import dev.concierge.protocol.ReceiptStatus;
import dev.concierge.protocol.VisitorContext;

/**
 * A frame sent by a visitor or an agent to the server. One record per {@code type}; see
 * {@code docs/protocol.md}. Compact constructors reject values the protocol forbids, so a
 * decoded message is always well formed.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = ClientMessage.Hello.class, name = "hello"),
    @JsonSubTypes.Type(value = ClientMessage.Send.class, name = "message"),
    @JsonSubTypes.Type(value = ClientMessage.Handoff.class, name = "handoff"),
    @JsonSubTypes.Type(value = ClientMessage.Typing.class, name = "typing"),
    @JsonSubTypes.Type(value = ClientMessage.Close.class, name = "close"),
    @JsonSubTypes.Type(value = ClientMessage.Rate.class, name = "rate"),
    @JsonSubTypes.Type(value = ClientMessage.History.class, name = "history"),
    @JsonSubTypes.Type(value = ClientMessage.Presence.class, name = "presence"),
    @JsonSubTypes.Type(value = ClientMessage.Accept.class, name = "accept"),
    @JsonSubTypes.Type(value = ClientMessage.LeaveMessage.class, name = "leave_message"),
    @JsonSubTypes.Type(value = ClientMessage.Receipt.class, name = "receipt"),
    @JsonSubTypes.Type(value = ClientMessage.Transfer.class, name = "transfer"),
    @JsonSubTypes.Type(value = ClientMessage.Note.class, name = "note"),
    @JsonSubTypes.Type(value = ClientMessage.UpdateContext.class, name = "context"),
    @JsonSubTypes.Type(value = ClientMessage.QueuePage.class, name = "queue"),
    @JsonSubTypes.Type(value = ClientMessage.TranscriptEmail.class, name = "transcript_email"),
})
@JsonInclude(JsonInclude.Include.NON_NULL)
public sealed interface ClientMessage {

    /** Longest accepted chat text, in characters. */
    int MAX_TEXT = 4000;

    /** The sender's request id, echoed as {@code ref}; may be null for {@code typing}. */
    String id();

    /**
     * First frame of every socket: version, visitor token or agent token, context, resume point;
     * for visitors also the department the site routes to and a signed-in user's identity; for
     * agents the presence to sign in with ({@code status}, null for online, or the presence the
     * agent already has on another console). Visitors' {@code status} is ignored.
     */
    record Hello(
            String id,
            int version,
            String site,
            String visitorToken,
            String token,
            VisitorContext context,
            Resume resume,
            String department,
            Identity identity,
            PresenceStatus status)
            implements ClientMessage {
        public Hello {
            Checks.id(id, true);
            Checks.optionalText("site", site, 64);
            Checks.optionalText("visitorToken", visitorToken, 128);
            Checks.optionalText("token", token, 128);
            Checks.optionalText("department", department, 64);
        }

        /** A hello without an agent's presence. */
        public Hello(
                String id,
                int version,
                String site,
                String visitorToken,
                String token,
                VisitorContext context,
                Resume resume,
                String department,
                Identity identity) {
            this(id, version, site, visitorToken, token, context, resume, department, identity, null);
        }

        /** A hello without department or identity. */
        public Hello(
                String id,
                int version,
                String site,
                String visitorToken,
                String token,
                VisitorContext context,
                Resume resume) {
            this(id, version, site, visitorToken, token, context, resume, null, null, null);
        }
    }

    /**
     * A chat message; {@code conversationId} may be omitted by a visitor. With {@code attachmentId}
     * (a file uploaded over HTTP first, docs/attachments.md) the text may be empty.
     */
    record Send(String id, String conversationId, String text, String entryId, String attachmentId)
            implements ClientMessage {
        public Send {
            Checks.id(id, true);
            if (attachmentId == null) {
                Checks.text("text", text, MAX_TEXT);
            } else {
                Checks.optionalText("text", text, MAX_TEXT);
            }
            Checks.optionalText("conversationId", conversationId, 64);
            Checks.optionalText("entryId", entryId, 128);
            if (attachmentId != null && !Attachment.isId(attachmentId)) {
                throw new IllegalArgumentException("attachmentId must be a_ and 26 base32 characters");
            }
        }

        /** A message without an attachment. */
        public Send(String id, String conversationId, String text, String entryId) {
            this(id, conversationId, text, entryId, null);
        }
    }

    /** The visitor asks for a human, optionally of a department. */
    record Handoff(String id, String conversationId, String department) implements ClientMessage {
        public Handoff {
            Checks.id(id, true);
            Checks.optionalText("conversationId", conversationId, 64);
            Checks.optionalText("department", department, 64);
        }

        /** A handoff to whoever is free. */
        public Handoff(String id, String conversationId) {
            this(id, conversationId, null);
        }
    }

    /** Typing indicator; not stored, not acknowledged. */
    record Typing(String id, String conversationId, boolean typing) implements ClientMessage {
        public Typing {
            Checks.id(id, false);
            Checks.text("conversationId", conversationId, 64);
        }
    }

    /** Close a conversation, with a free-text reason. */
    record Close(String id, String conversationId, String reason) implements ClientMessage {
        public Close {
            Checks.id(id, true);
            Checks.text("conversationId", conversationId, 64);
            Checks.optionalText("reason", reason, 200);
        }
    }

    /** The visitor's rating (1–5) and optional comment, after close. */
    record Rate(String id, String conversationId, int score, String comment) implements ClientMessage {
        public Rate {
            Checks.id(id, true);
            Checks.text("conversationId", conversationId, 64);
            if (score < 1 || score > 5) {
                throw new IllegalArgumentException("score must be 1 to 5");
            }
            Checks.optionalText("comment", comment, MAX_TEXT);
        }
    }

    /**
     * Ask for the events of a conversation after {@code afterSeq}. The answer, a
     * {@link ServerMessage.Transcript}, holds at most one page of them; when it says
     * {@code more}, ask again after its last {@code seq}.
     */
    record History(String id, String conversationId, long afterSeq) implements ClientMessage {
        public History {
            Checks.id(id, true);
            Checks.text("conversationId", conversationId, 64);
            if (afterSeq < 0) {
                throw new IllegalArgumentException("afterSeq must not be negative");
            }
        }
    }

    /** Agent presence change. */
    record Presence(String id, PresenceStatus status) implements ClientMessage {
        public Presence {
            Checks.id(id, true);
            if (status == null) {
                throw new IllegalArgumentException("status is required (online or away)");
            }
        }
    }

    /** An agent takes a queued conversation by hand. */
    record Accept(String id, String conversationId) implements ClientMessage {
        public Accept {
            Checks.id(id, true);
            Checks.text("conversationId", conversationId, 64);
        }
    }

    /**
     * The visitor leaves a message while nobody is available; it becomes a follow-up conversation
     * that an agent answers later. {@code conversationId} may be omitted (open or new conversation).
     */
    record LeaveMessage(String id, String conversationId, String name, String email, String text)
            implements ClientMessage {
        public LeaveMessage {
            Checks.id(id, true);
            Checks.optionalText("conversationId", conversationId, 64);
            Checks.line("name", name, VisitorContext.MAX_NAME);
            Checks.text("email", email, VisitorContext.MAX_EMAIL);
            Checks.email("email", email);
            Checks.text("text", text, MAX_TEXT);
        }
    }

    /**
     * The visitor asks for a conversation's transcript by email. {@code conversationId} may be
     * omitted (the open conversation, else the latest closed one); {@code address} too (the
     * address given in that conversation). The server mails only an address given in that
     * conversation or vouched for by the site (docs/protocol.md, {@code transcript_email}).
     */
    record TranscriptEmail(String id, String conversationId, String address) implements ClientMessage {
        public TranscriptEmail {
            Checks.id(id, true);
            Checks.optionalText("conversationId", conversationId, 64);
            Checks.email("address", address);
        }
    }

    /** The sender has received ({@code delivered}) or seen ({@code read}) events up to {@code seq}. */
    record Receipt(String id, String conversationId, long seq, ReceiptStatus status) implements ClientMessage {
        public Receipt {
            Checks.id(id, false);
            Checks.text("conversationId", conversationId, 64);
            if (seq < 1) {
                throw new IllegalArgumentException("seq must be at least 1");
            }
            if (status == null) {
                throw new IllegalArgumentException("status is required (delivered or read)");
            }
        }
    }

    /**
     * An agent hands a conversation to another agent or to a department, with a note. A transfer
     * to an agent who already has as many chats as the limit allows is refused with
     * {@code agent_at_capacity} unless {@code force} is true (the sender confirmed it).
     */
    record Transfer(String id, String conversationId, String agentId, String department, String note, Boolean force)
            implements ClientMessage {
        /** A transfer that respects the receiving agent's chat limit. */
        public Transfer(String id, String conversationId, String agentId, String department, String note) {
            this(id, conversationId, agentId, department, note, null);
        }

        public Transfer {
            Checks.id(id, true);
            Checks.text("conversationId", conversationId, 64);
            Checks.optionalText("agentId", agentId, 64);
            Checks.optionalText("department", department, 64);
            Checks.optionalText("note", note, MAX_TEXT);
            if ((agentId == null) == (department == null)) {
                throw new IllegalArgumentException("exactly one of agentId and department is required");
            }
            if (Boolean.TRUE.equals(force) && agentId == null) {
                throw new IllegalArgumentException("force applies to a transfer to an agent (agentId)");
            }
        }
    }

    /** An agent's internal note on a conversation: stored, shown to agents, never to the visitor. */
    record Note(String id, String conversationId, String text) implements ClientMessage {
        public Note {
            Checks.id(id, true);
            Checks.text("conversationId", conversationId, 64);
            Checks.text("text", text, MAX_TEXT);
        }
    }

    /** The visitor's context changed (another page, new attributes); agents see it at once. */
    record UpdateContext(String id, VisitorContext context) implements ClientMessage {
        public UpdateContext {
            Checks.id(id, true);
            if (context == null) {
                throw new IllegalArgumentException("context is required");
            }
        }
    }

    /**
     * An agent pages the queue: from now on their {@code queue} frames list the entries from
     * {@code offset} on (at most one page, {@link ServerMessage.Queue#PAGE_SIZE} entries).
     */
    record QueuePage(String id, int offset) implements ClientMessage {
        /** The highest offset accepted. */
        public static final int MAX_OFFSET = 1_000_000;

        public QueuePage {
            Checks.id(id, true);
            if (offset < 0 || offset > MAX_OFFSET) {
                throw new IllegalArgumentException("offset must be 0 to " + MAX_OFFSET);
            }
        }
    }
}
