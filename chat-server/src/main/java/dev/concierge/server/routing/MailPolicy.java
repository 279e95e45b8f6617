package dev.concierge.server.routing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.concierge.protocol.Author;
import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ServerMessage;
import dev.concierge.server.auth.AgentAccount;
import dev.concierge.server.auth.Site;
import dev.concierge.store.ConversationRecord;
import dev.concierge.store.ConversationStore.MailState;
import dev.concierge.store.ConversationStore.OutboundMail;
import dev.concierge.store.ConversationStore.QueuedMail;
import dev.concierge.store.IntegrationStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides which mails an event causes and to whom (docs/email.md, "When mail is sent"): the
 * confirmation of a left message, an agent's reply to a visitor who is not connected (due after
 * {@link MailPolicyConfig#replyDelay()}, one pending per conversation, cancelled when the visitor
 * reads it in the chat), a transcript the visitor asks for, and alerts to the agents who asked for
 * them. Every mail goes to the outbox in the same transaction as its event and counts against
 * {@link MailLimits}; an automatic mail over a limit is skipped with a note to the agents. Router
 * thread only. It renders nothing: the sender does, from the stored transcript and the payload.
 */
final class MailPolicy {
    private static final Logger log = LoggerFactory.getLogger(MailPolicy.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Why an agent's reply was not mailed: the visitor read it in the chat before it was due. */
    static final String READ_IN_THE_CHAT = "read in the chat";

    static final String CONFIRMATION = "confirmation";
    static final String AGENT_REPLY = "agent_reply";
    static final String TRANSCRIPT = "transcript";
    static final String AGENT_ALERT = "agent_alert";
    static final String FOLLOW_UP = "follow_up";
    static final String LONG_WAIT = "long_wait";

    private final Router router;
    private final String messageIdDomain;
    private final Runnable wakeSender;
    private final MailPolicyConfig config;
    private final MailLimits limits;
    private final Supplier<List<AgentAccount>> agents;
    /** The agent's reply waiting in the outbox, by conversation id: later messages join it. */
    private final Map<String, PendingReply> pendingReplies = new HashMap<>();

    /**
     * An {@code agent_reply} row not yet due: its Message-ID, the seq it was enqueued with, the
     * seq of the latest agent message batched into it, when due.
     */
    record PendingReply(String messageId, long seq, long lastSeq, Instant due) {}

    MailPolicy(
            Router router,
            String messageIdDomain,
            Runnable wakeSender,
            MailPolicyConfig config,
            Supplier<List<AgentAccount>> agents) {
        this.router = router;
        this.messageIdDomain = messageIdDomain;
        this.wakeSender = wakeSender;
        this.config = config;
        this.limits = new MailLimits(config);
        this.agents = agents;
    }

    /**
     * Counts again what the outbox holds from the last 24 hours, and remembers the agents'
     * replies still waiting, as they were before a restart. {@code visitorOf} names the visitor of
     * a conversation (read beforehand, off this thread).
     */
    void restore(List<QueuedMail> recent, Function<String, Optional<String>> visitorOf) {
        Instant now = router.clock.instant();
        limits.restore(recent, visitorOf, now);
        for (QueuedMail q : recent) {
            OutboundMail m = q.mail();
            if (AGENT_REPLY.equals(m.kind())
                    && q.state() == MailState.PENDING
                    && q.attempts() == 0
                    && q.nextAttemptAt().isAfter(now)) {
                // After a restart the batch is known up to the row's seq only: a read of a later
                // seq cancels it, an earlier one keeps it (the safe side: the visitor gets the mail).
                pendingReplies.merge(
                        m.conversationId(),
                        new PendingReply(m.messageId(), m.seq(), m.seq(), q.nextAttemptAt()),
                        (a, b) -> a.seq() >= b.seq() ? a : b);
            }
        }
    }

    /** Wakes the sender: mails were committed. */
    void wakeSender() {
        wakeSender.run();
    }

    // ---- confirmation and follow-up alerts ----

    /**
     * The mails of a left message's {@code offline_message} event: the confirmation to {@code
     * email}, and a {@code follow_up} alert to each agent who asked for one.
     */
    List<OutboundMail> leftMessage(Conversation c, TranscriptEvent event, String email) {
        List<OutboundMail> out = new ArrayList<>();
        if (email != null) {
            automatic(c, event, CONFIRMATION, email, payload(c), "").ifPresent(out::add);
        }
        out.addAll(alerts(c, event, FOLLOW_UP, Optional.empty()));
        return out;
    }

    /** The alerts of a conversation that became a follow-up because its queued visitor left. */
    List<OutboundMail> visitorLeft(Conversation c, TranscriptEvent event) {
        return alerts(c, event, FOLLOW_UP, Optional.empty());
    }

    // ---- agent replies ----

    /**
     * The mail of an agent's {@code message} event: none while a socket of the visitor is open
     * (they read it live) or while an earlier reply of the conversation still waits (it will show
     * this one too); else an {@code agent_reply} to the visitor's address, due after the reply
     * delay.
     */
    List<OutboundMail> agentMessage(Conversation c, TranscriptEvent event, String agentName) {
        if (!c.visitor.sessions.isEmpty()) {
            return List.of();
        }
        Instant now = event.ts();
        PendingReply pending = pendingReplies.get(c.id);
        if (pending != null && pending.due().isAfter(now)) {
            // Batched: the waiting mail shows the conversation up to its latest message, this one too.
            pendingReplies.put(c.id, new PendingReply(pending.messageId(), pending.seq(), event.seq(), pending.due()));
            return List.of();
        }
        Optional<String> to = recipient(c);
        if (to.isEmpty()) {
            return List.of();
        }
        ObjectNode payload = payload(c).put("agentName", agentName);
        Optional<OutboundMail> mail = automatic(c, event, AGENT_REPLY, to.get(), payload, "");
        mail.ifPresent(m -> pendingReplies.put(c.id, new PendingReply(m.messageId(), m.seq(), m.seq(), m.notBefore())));
        return mail.stream().toList();
    }

    /**
     * The visitor read the conversation up to {@code seq} in the chat: an agent's reply waiting
     * for it is cancelled (never sent) when the read covers every agent message batched into it;
     * a read of only the earlier ones keeps it, so the later ones still reach the visitor.
     */
    void visitorRead(Conversation c, long seq) {
        PendingReply pending = pendingReplies.get(c.id);
        if (pending == null || seq < pending.lastSeq()) {
            return;
        }
        pendingReplies.remove(c.id);
        router.store().cancelMail(pending.messageId(), READ_IN_THE_CHAT).whenComplete((v, error) -> {
            if (error != null) {
                log.warn("agent reply {} could not be cancelled: {}", pending.messageId(), error.toString());
            }
        });
        log.info("agent reply of {} not mailed: {}", c.id, READ_IN_THE_CHAT);
    }

    // ---- transcripts ----

    /**
     * A visitor's {@code transcript_email}: to an address given in the conversation or vouched for
     * by the site, within the limits; acknowledged with the seq of a note to the agents that is
     * stored with the mail.
     */
    void transcriptRequest(Session session, Visitor visitor, ClientMessage.TranscriptEmail t, Conversation c) {
        Optional<String> to = t.address() != null ? Optional.of(t.address()) : recipient(c);
        if (to.isEmpty()) {
            Router.error(
                    session,
                    ErrorCode.BAD_REQUEST,
                    "No email address was given in this conversation; send one as address.",
                    t.id());
            return;
        }
        String address = to.get();
        if (!allowed(c, address)) {
            log.info("transcript of {} refused: address not given in it (visitor {})", c.id, visitor.id);
            Router.error(
                    session,
                    ErrorCode.EMAIL_NOT_ALLOWED,
                    "A transcript goes only to an address given in this conversation or confirmed by the site.",
                    t.id());
            return;
        }
        String site = site(c);
        Instant now = router.clock.instant();
        Optional<MailLimits.Refusal> refusal = limits.check(Optional.of(visitor.id), address, site, now);
        if (refusal.isPresent()) {
            long seconds = Math.max(1, (refusal.get().retryAfter().toMillis() + 999) / 1000);
            log.info("transcript of {} refused: over {}", c.id, refusal.get().reason());
            session.send(new ServerMessage.Error(
                    ErrorCode.RATE_LIMITED.wire(),
                    "At most " + refusal.get().reason() + "; try again in " + seconds + " s.",
                    t.id(),
                    seconds));
            return;
        }
        limits.count(Optional.of(visitor.id), address, site, now);
        TranscriptEvent note = TranscriptEvent.note(t.id(), Author.SYSTEM, "Transcript emailed to " + masked(address));
        ObjectNode payload = payload(c);
        CompletableFuture<Long> seq =
                router.appendOnce(c, t.id(), note, e -> List.of(mail(c, e, TRANSCRIPT, address, payload, "", e.ts())));
        Acks.whenStored(session, t.id(), c, seq);
        seq.thenRun(this::wakeSender);
    }

    // ---- agent alerts ----

    /**
     * Long waits: every queued conversation waiting past the alert time alerts once. Also forgets
     * what no limit window or waiting reply needs any more. Every few seconds, on the ticker.
     */
    void checkLongWaits() {
        Instant now = router.clock.instant();
        List<Conversation> due = new ArrayList<>();
        for (Conversation c : router.live.conversations()) {
            if (c.state == ConversationState.QUEUED
                    && !c.longWaitMailed
                    && c.queuedAt != null
                    && !c.queuedAt.plus(config.alertAfter()).isAfter(now)) {
                due.add(c);
            }
        }
        for (Conversation c : due) {
            c.longWaitMailed = true;
            List<AgentAccount> wanting = wanting(LONG_WAIT);
            if (wanting.isEmpty()) {
                continue;
            }
            long waited = Duration.between(c.queuedAt, now).toSeconds();
            TranscriptEvent note = TranscriptEvent.note(
                    null,
                    Author.SYSTEM,
                    "The visitor has waited " + waited / 60 + " min; agents who asked are alerted by email.");
            router.appendAndBroadcast(c, note, false, e -> alerts(c, e, LONG_WAIT, Optional.of(waited)))
                    .thenRun(this::wakeSender);
        }
        limits.sweep(now);
        pendingReplies.values().removeIf(p -> !p.due().isAfter(now)); // due: the sender has them
    }

    private List<OutboundMail> alerts(Conversation c, TranscriptEvent event, String reason, Optional<Long> waited) {
        List<OutboundMail> out = new ArrayList<>();
        int n = 0;
        for (AgentAccount a : wanting(reason)) {
            ObjectNode payload = payload(c)
                    .put("reason", reason)
                    .put("agentName", a.name())
                    .put("visitorName", c.visitor.displayName());
            waited.ifPresent(w -> payload.put("waitedSeconds", w));
            String to = a.email().orElseThrow();
            automatic(c, event, AGENT_ALERT, to, payload, "." + n++).ifPresent(out::add);
        }
        return out;
    }

    /**
     * The alerts of a webhook endpoint the sender is pausing ({@link WebhookPauseAlerts}): to each
     * agent who asked for them, within the limits.
     */
    List<OutboundMail> webhookPaused(
            WebhookPauseAlerts alerts, IntegrationStore.Endpoint endpoint, String reason, Instant at, long waiting) {
        return alerts.mails(wanting(WebhookPauseAlerts.KIND), limits, messageIdDomain, endpoint, reason, at, waiting);
    }

    private List<AgentAccount> wanting(String reason) {
        return agents.get().stream()
                .filter(a -> a.email().isPresent() && a.emailAlerts().contains(reason))
                .toList();
    }

    // ---- shared ----

    /**
     * An automatic mail of {@code event}, counted, or empty when over a limit (a note then tells
     * the agents) or when the address cannot be mailed.
     */
    private Optional<OutboundMail> automatic(
            Conversation c, TranscriptEvent event, String kind, String to, ObjectNode payload, String suffix) {
        String site = site(c);
        Optional<MailLimits.Refusal> refusal = limits.check(Optional.empty(), to, site, event.ts());
        if (refusal.isPresent()) {
            log.info(
                    "{} of {} seq {} skipped: over {}",
                    kind,
                    c.id,
                    event.seq(),
                    refusal.get().reason());
            String text = "No email to " + masked(to) + " (" + kind.replace('_', ' ') + "): "
                    + refusal.get().reason() + ".";
            // After the current task, so that the note follows the event that would have been mailed.
            router.executor.execute(
                    () -> router.appendAndBroadcast(c, TranscriptEvent.note(null, Author.SYSTEM, text)));
            return Optional.empty();
        }
        Instant notBefore = AGENT_REPLY.equals(kind) ? event.ts().plus(config.replyDelay()) : event.ts();
        try {
            OutboundMail mail = mail(c, event, kind, to, payload, suffix, notBefore);
            limits.count(Optional.empty(), to, site, event.ts());
            return Optional.of(mail);
        } catch (IllegalArgumentException e) {
            log.info("no {} email for {} seq {}: {}", kind, c.id, event.seq(), e.getMessage());
            return Optional.empty();
        }
    }

    private OutboundMail mail(
            Conversation c,
            TranscriptEvent event,
            String kind,
            String to,
            ObjectNode payload,
            String suffix,
            Instant notBefore) {
        return new OutboundMail(
                c.id + "." + event.seq() + "." + kind + suffix + "@" + messageIdDomain,
                c.id,
                event.seq(),
                kind,
                site(c),
                to,
                payload.toString(),
                event.ts(),
                notBefore);
    }

    /**
     * Where mail to the visitor of {@code c} goes: the address the site vouched for, else the
     * latest one given in the conversation; empty when there is neither.
     */
    static Optional<String> recipient(Conversation c) {
        if (c.visitor.verifiedEmail != null) {
            return Optional.of(c.visitor.verifiedEmail);
        }
        String latest = null;
        for (String given : c.givenEmails.values()) {
            latest = given;
        }
        return Optional.ofNullable(latest);
    }

    /** Whether {@code address} was given in {@code c} or vouched for by the site (case-insensitive). */
    static boolean allowed(Conversation c, String address) {
        String key = MailLimits.key(address);
        return c.givenEmails.containsKey(key)
                || (c.visitor.verifiedEmail != null
                        && MailLimits.key(c.visitor.verifiedEmail).equals(key));
    }

    /**
     * Remembers that the visitor gave {@code email} while {@code c} was theirs and open (the
     * caller stores the record when this says it changed). Keeps the latest {@link
     * ConversationRecord#MAX_GIVEN_EMAILS}: a visitor who types many addresses cannot grow it.
     */
    static boolean given(Conversation c, String email) {
        if (email == null || email.isBlank() || email.indexOf('\n') >= 0 || email.indexOf('\r') >= 0) {
            return false;
        }
        String key = MailLimits.key(email);
        String last = null;
        for (String k : c.givenEmails.keySet()) {
            last = k;
        }
        if (key.equals(last) && email.equals(c.givenEmails.get(key))) {
            return false; // already the latest
        }
        c.givenEmails.remove(key); // the latest given goes last
        c.givenEmails.put(key, email);
        while (c.givenEmails.size() > ConversationRecord.MAX_GIVEN_EMAILS) {
            c.givenEmails.remove(c.givenEmails.keySet().iterator().next());
        }
        return true;
    }

    /** {@code ada@example.com} as agents see it in notes: {@code a…@example.com}. */
    static String masked(String address) {
        int at = address.lastIndexOf('@');
        return at <= 0 ? "…" : address.charAt(0) + "…" + address.substring(at);
    }

    private String site(Conversation c) {
        return c.site != null ? c.site : "demo";
    }

    /** The payload every kind has: the language to write in (the site's, else the browser's, else English). */
    private ObjectNode payload(Conversation c) {
        String language = router.site(site(c))
                .flatMap(Site::language)
                .or(() -> Optional.ofNullable(c.visitor == null ? null : c.visitor.context.language()))
                .orElse("en");
        return JSON.createObjectNode().put("language", language);
    }

    /**
     * The visitor of each conversation a transcript of {@code recent} was mailed for, read from
     * {@code store} (blocking: before the policy reaches the router thread), to count the
     * per-visitor limit again.
     */
    static Map<String, Optional<String>> visitorsOfTranscripts(
            dev.concierge.store.ConversationStore store, List<QueuedMail> recent) {
        Map<String, Optional<String>> visitors = new HashMap<>();
        for (QueuedMail q : recent) {
            if (TRANSCRIPT.equals(q.mail().kind())) {
                visitors.computeIfAbsent(
                        q.mail().conversationId(), id -> store.conversation(id).map(ConversationRecord::visitorId));
            }
        }
        return visitors;
    }

    /** {@link Router#mailUndelivered}, on the router thread: the note to the conversation's agents. */
    void undelivered(OutboundMail mail, String error) {
        if (READ_IN_THE_CHAT.equals(error)) {
            return;
        }
        if (WebhookPauseAlerts.KIND.equals(mail.kind())) {
            log.warn("the alert of a webhook endpoint's pause to {} could not be delivered", masked(mail.recipient()));
            return;
        }
        Conversation c = router.live.conversation(mail.conversationId()).orElse(null);
        if (c == null) {
            log.info("email {} undelivered; its conversation is not in memory", mail.messageId());
            return;
        }
        String reply = error.replaceAll("[\\s\\p{Cntrl}]+", " ").strip();
        if (reply.length() > 300) {
            reply = reply.substring(0, 300) + "…";
        }
        router.appendAndBroadcast(
                c,
                TranscriptEvent.note(
                        null,
                        Author.SYSTEM,
                        "The email to " + masked(mail.recipient()) + " could not be delivered: " + reply));
    }
}
