package dev.concierge.server.webhook;

import java.util.List;

/** The webhook event types (docs/integrations.md, "Events"), in the order the docs list them. */
public final class WebhookTypes {
    private WebhookTypes() {}

    public static final String CONVERSATION_STARTED = "conversation.started";
    public static final String MESSAGE_CREATED = "message.created";
    public static final String BOT_ANSWERED = "bot.answered";
    public static final String BOT_MISSED = "bot.missed";
    public static final String HANDOFF_REQUESTED = "handoff.requested";
    public static final String CONVERSATION_ASSIGNED = "conversation.assigned";
    public static final String CONVERSATION_TRANSFERRED = "conversation.transferred";
    public static final String CONVERSATION_CLOSED = "conversation.closed";
    public static final String RATING_SUBMITTED = "rating.submitted";
    public static final String FOLLOWUP_CREATED = "followup.created";

    /** Every type an endpoint may subscribe to. */
    public static final List<String> ALL = List.of(
            CONVERSATION_STARTED,
            MESSAGE_CREATED,
            BOT_ANSWERED,
            BOT_MISSED,
            HANDOFF_REQUESTED,
            CONVERSATION_ASSIGNED,
            CONVERSATION_TRANSFERRED,
            CONVERSATION_CLOSED,
            RATING_SUBMITTED,
            FOLLOWUP_CREATED);
}
