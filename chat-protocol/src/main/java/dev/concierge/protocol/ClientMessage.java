package dev.concierge.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.concierge.protocol.Values.PresenceStatus;
import dev.concierge.protocol.Values.Resume;
import dev.concierge.protocol.Values.VisitorContext;

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
})
@JsonInclude(JsonInclude.Include.NON_NULL)
public sealed interface ClientMessage {

    /** Longest accepted chat text, in characters. */
    int MAX_TEXT = 4000;

    /** The sender's request id, echoed as {@code ref}; may be null for {@code typing}. */
    String id();

    /** First frame of every socket: version, visitor token or agent token, context, resume point. */
    record Hello(String id, int version, String site, String visitorToken, String token,
                 VisitorContext context, Resume resume) implements ClientMessage {
        public Hello {
            Checks.id(id, true);
            Checks.optionalText("site", site, 64);
            Checks.optionalText("visitorToken", visitorToken, 128);
            Checks.optionalText("token", token, 128);
        }
    }

    /** A chat message; {@code conversationId} may be omitted by a visitor. */
    record Send(String id, String conversationId, String text, String entryId) implements ClientMessage {
        public Send {
            Checks.id(id, true);
            Checks.text("text", text, MAX_TEXT);
            Checks.optionalText("conversationId", conversationId, 64);
            Checks.optionalText("entryId", entryId, 128);
        }
    }

    /** The visitor asks for a human. */
    record Handoff(String id, String conversationId) implements ClientMessage {
        public Handoff {
            Checks.id(id, true);
            Checks.optionalText("conversationId", conversationId, 64);
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

    /** Ask for the events of a conversation after {@code afterSeq}. */
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
}
