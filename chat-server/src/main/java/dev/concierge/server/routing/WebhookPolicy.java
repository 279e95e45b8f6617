package dev.concierge.server.routing;

import static dev.concierge.server.webhook.WebhookTypes.BOT_ANSWERED;
import static dev.concierge.server.webhook.WebhookTypes.BOT_MISSED;
import static dev.concierge.server.webhook.WebhookTypes.CONVERSATION_ASSIGNED;
import static dev.concierge.server.webhook.WebhookTypes.CONVERSATION_CLOSED;
import static dev.concierge.server.webhook.WebhookTypes.CONVERSATION_STARTED;
import static dev.concierge.server.webhook.WebhookTypes.CONVERSATION_TRANSFERRED;
import static dev.concierge.server.webhook.WebhookTypes.FOLLOWUP_CREATED;
import static dev.concierge.server.webhook.WebhookTypes.HANDOFF_REQUESTED;
import static dev.concierge.server.webhook.WebhookTypes.MESSAGE_CREATED;
import static dev.concierge.server.webhook.WebhookTypes.RATING_SUBMITTED;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.concierge.protocol.AgentInfo;
import dev.concierge.protocol.Author;
import dev.concierge.protocol.BotTurn;
import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.Page;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.Suggestion;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.server.support.Ids;
import dev.concierge.server.support.ServerException;
import dev.concierge.store.IntegrationStore.OutboundWebhook;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the webhook rows of the router's events (docs/integrations.md, "Events"), stored with
 * each event in its transaction: one row per event type the event causes and the conversation's
 * site subscribes to, with the body every endpoint and attempt gets. A site that subscribes to
 * nothing costs one map lookup per event. Router thread only, except {@link #onStored} and {@link
 * #stored}.
 */
final class WebhookPolicy {
    /** The version of the body's shape, sent in every body. */
    static final int VERSION = 1;

    private static final Logger log = LoggerFactory.getLogger(WebhookPolicy.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Ids ids;
    /** Replaced whole by the router after an endpoint change; router thread only. */
    private WebhookSubscriptions subscriptions = WebhookSubscriptions.NONE;
    /** Run once rows were committed: wakes the webhook sender. */
    private volatile Runnable stored = () -> {};

    WebhookPolicy(Ids ids) {
        this.ids = Objects.requireNonNull(ids, "ids");
    }

    /** Replaces the subscriptions; router thread. */
    void subscriptions(WebhookSubscriptions subscriptions) {
        this.subscriptions = Objects.requireNonNull(subscriptions, "subscriptions");
    }

    /** Sets what runs once webhook rows were committed; any thread. */
    void onStored(Runnable wake) {
        this.stored = Objects.requireNonNull(wake, "wake");
    }

    /** Webhook rows were committed: runs the hook of {@link #onStored}. */
    void stored() {
        stored.run();
    }

    /**
     * The webhook rows of {@code stamped}, just appended to {@code c}: in the order of the types
     * it causes (its {@code sub}): {@code conversation.started} for a conversation's first event,
     * the type of its kind, then {@code followup.created} when it is the first event since {@code
     * c} entered {@code FOLLOW_UP}. Empty when the conversation's site subscribes to none of them.
     */
    List<OutboundWebhook> of(Conversation c, TranscriptEvent stamped) {
        boolean followUp = enteredFollowUp(c);
        Map<String, List<String>> types = subscriptions.of(c.site);
        if (types.isEmpty()) {
            return List.of();
        }
        try {
            return rows(c, stamped, types, followUp);
        } catch (RuntimeException e) {
            // The event is stored whatever happens here: a webhook lost is logged, not its event.
            log.error("no webhook made of {} seq {}", c.id, stamped.seq(), e);
            return List.of();
        }
    }

    private List<OutboundWebhook> rows(
            Conversation c, TranscriptEvent stamped, Map<String, List<String>> types, boolean followUp) {
        List<OutboundWebhook> rows = new ArrayList<>(2);
        int sub = 0;
        if (stamped.seq() == 1) {
            add(rows, types, c, stamped, sub++, CONVERSATION_STARTED);
        }
        String type = typeOf(stamped);
        if (type != null) {
            add(rows, types, c, stamped, sub++, type);
        }
        if (followUp) {
            add(rows, types, c, stamped, sub, FOLLOWUP_CREATED);
        }
        return rows;
    }

    /** Whether {@code c} entered {@code FOLLOW_UP} since its previous event: once per entry. */
    private static boolean enteredFollowUp(Conversation c) {
        boolean now = c.state == ConversationState.FOLLOW_UP;
        boolean entered = now && !c.followUpAnnounced;
        c.followUpAnnounced = now;
        return entered;
    }

    /** The type of an event's kind; null for the kinds that make none (notes, queue lines, left messages). */
    private static String typeOf(TranscriptEvent e) {
        return switch (e.kind()) {
            case MESSAGE -> MESSAGE_CREATED;
            case BOT -> e.bot() != null && e.bot().answered() ? BOT_ANSWERED : BOT_MISSED;
            case HANDOFF -> HANDOFF_REQUESTED;
            case ASSIGNED -> CONVERSATION_ASSIGNED;
            case TRANSFERRED -> CONVERSATION_TRANSFERRED;
            case CLOSED -> CONVERSATION_CLOSED;
            case RATED -> RATING_SUBMITTED;
            case NOTE, QUEUED, OFFLINE_MESSAGE -> null;
        };
    }

    private void add(
            List<OutboundWebhook> rows,
            Map<String, List<String>> types,
            Conversation c,
            TranscriptEvent e,
            int sub,
            String type) {
        List<String> endpoints = types.get(type);
        if (endpoints == null) {
            return;
        }
        String id = ids.webhookEventId();
        String body = body(id, type, c, e, data(type, c, e));
        if (body == null) {
            log.error("webhook {} of {} seq {} is too long to send even without its text", type, c.id, e.seq());
            return;
        }
        rows.add(new OutboundWebhook(id, c.id, e.seq(), sub, type, c.site, e.ts(), body, endpoints));
    }

    /**
     * The body: the event's envelope around {@code data}. One over {@link OutboundWebhook#MAX_BODY}
     * bytes of UTF-8 gets its {@code data.text} cut to fit, and {@code "truncated": true}; null
     * when it cannot fit even so.
     */
    static String body(String id, String type, Conversation c, TranscriptEvent e, ObjectNode data) {
        ObjectNode body = JSON.createObjectNode();
        body.put("id", id);
        body.put("type", type);
        body.put("time", e.ts().toString());
        body.put("site", c.site);
        body.putObject("conversation").put("id", c.id).put("seq", e.seq());
        body.set("data", data);
        body.put("version", VERSION);
        String json = write(body);
        int over = utf8Length(json) - OutboundWebhook.MAX_BODY;
        String text = data.path("text").asText("");
        while (over > 0 && !text.isEmpty()) {
            // Room for the flag too; a second round only if the estimate was short.
            text = text.substring(0, fitting(text, jsonBytes(text, text.length()) - over - 32));
            data.put("text", text);
            data.put("truncated", true);
            json = write(body);
            over = utf8Length(json) - OutboundWebhook.MAX_BODY;
        }
        return over > 0 ? null : json;
    }

    private static ObjectNode data(String type, Conversation c, TranscriptEvent e) {
        ObjectNode data = JSON.createObjectNode();
        switch (type) {
            case CONVERSATION_STARTED -> {
                data.putObject("visitor").put("id", c.visitor.id);
                data.put("department", c.department);
                Page page = c.visitor.context.page();
                if (page != null && page.url() != null) {
                    ObjectNode p = data.putObject("page").put("url", page.url());
                    putIf(p, "title", page.title());
                }
            }
            case MESSAGE_CREATED -> {
                author(data.putObject("author"), e.author())
                        .put("name", e.author().name());
                data.put("text", e.text());
                if (e.attachment() != null) {
                    data.set("attachment", JSON.valueToTree(e.attachment()));
                }
                putIf(data, "via", e.via());
            }
            case BOT_ANSWERED -> {
                BotTurn turn = e.bot();
                data.put("replyTo", turn.replyTo());
                data.put("entryId", turn.entryId());
                data.put("entryQuestion", turn.entryQuestion());
                data.put("confidence", turn.confidence());
                data.put("text", e.text());
            }
            case BOT_MISSED -> {
                BotTurn turn = e.bot();
                data.put("replyTo", turn == null ? null : turn.replyTo());
                data.put("confidence", turn == null ? 0 : turn.confidence());
                var suggestions = data.putArray("suggestions");
                if (turn != null) {
                    turn.suggestions().stream().map(Suggestion::entryId).forEach(suggestions::add);
                }
                data.put("humanOffered", turn != null && turn.humanOffered());
            }
            case HANDOFF_REQUESTED -> {
                data.put("reason", e.reason());
                putIf(data, "department", c.department);
            }
            case CONVERSATION_ASSIGNED -> agent(data.putObject("agent"), e.agent());
            case CONVERSATION_TRANSFERRED -> {
                ObjectNode to = data.putObject("to");
                if (e.agent() != null) {
                    agent(to.putObject("agent"), e.agent());
                } else {
                    to.put("department", e.reason());
                }
                if (c.transferredFrom != null) {
                    agent(data.putObject("from"), c.transferredFrom);
                }
            }
            case CONVERSATION_CLOSED -> {
                putIf(data, "reason", e.reason());
                author(data.putObject("by"), e.author());
            }
            case RATING_SUBMITTED -> {
                data.put("score", e.score());
                putIf(data, "comment", e.comment());
            }
            case FOLLOWUP_CREATED -> {
                putIf(data, "email", followUpEmail(c, e));
                boolean visitors = e.author() != null
                        && e.author().role() == Role.VISITOR
                        && (e.kind() == TranscriptEvent.Kind.MESSAGE
                                || e.kind() == TranscriptEvent.Kind.OFFLINE_MESSAGE);
                putIf(data, "text", visitors ? e.text() : c.lastVisitorText);
            }
            default -> throw new IllegalArgumentException("no webhook type " + type);
        }
        return data;
    }

    /** Where the team can reply to a follow-up: the left message's address, else the last one given. */
    private static String followUpEmail(Conversation c, TranscriptEvent e) {
        if (e.kind() == TranscriptEvent.Kind.OFFLINE_MESSAGE && e.reason() != null) {
            return e.reason();
        }
        String last = null;
        for (String email : c.givenEmails.values()) {
            last = email;
        }
        return last != null ? last : c.visitor.context.email();
    }

    private static ObjectNode author(ObjectNode node, Author author) {
        return node.put("role", author.role().name().toLowerCase(Locale.ROOT)).put("id", author.id());
    }

    private static void agent(ObjectNode node, AgentInfo agent) {
        node.put("id", agent.id()).put("name", agent.name());
    }

    private static void putIf(ObjectNode node, String field, String value) {
        if (value != null) {
            node.put(field, value);
        }
    }

    private static String write(ObjectNode body) {
        try {
            return JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new ServerException("webhook body", e);
        }
    }

    /** How many characters of {@code text} take at most {@code bytes} in a JSON string, never half a pair. */
    private static int fitting(String text, int bytes) {
        int used = 0;
        for (int i = 0; i < text.length(); i++) {
            used += jsonBytes(text.charAt(i));
            if (used > bytes) {
                return i > 0 && Character.isHighSurrogate(text.charAt(i - 1)) ? i - 1 : i;
            }
        }
        return text.length();
    }

    /** The UTF-8 bytes the first {@code n} characters of {@code s} take inside a JSON string. */
    private static int jsonBytes(String s, int n) {
        int bytes = 0;
        for (int i = 0; i < n; i++) {
            bytes += jsonBytes(s.charAt(i));
        }
        return bytes;
    }

    /** The UTF-8 bytes one character takes inside a JSON string (each half of a pair: 2). */
    private static int jsonBytes(char ch) {
        if (ch == '"' || ch == '\\') {
            return 2;
        } else if (ch < 0x20) {
            return 6; // an escape: six characters at most
        } else if (ch < 0x80) {
            return 1;
        }
        return ch < 0x800 || Character.isSurrogate(ch) ? 2 : 3;
    }

    /** The length of {@code s} in UTF-8, without encoding it when it cannot be over the limit. */
    private static int utf8Length(String s) {
        if (s.length() * 3 <= OutboundWebhook.MAX_BODY) {
            return s.length();
        }
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
