package dev.concierge.server.mail;

import dev.concierge.server.attach.FileUrls;
import dev.concierge.server.auth.Site;
import dev.concierge.server.support.RoundThread;
import dev.concierge.store.ConversationStore;
import dev.concierge.store.ConversationStore.OutboundMail;
import dev.concierge.store.ConversationStore.QueuedMail;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the mail outbox (docs/storage.md, "The mail outbox"): one thread, on the node that
 * decides (a single server always does), claims the mails due, hands each to the mail server
 * with the Message-ID and date fixed when it was enqueued, and records the outcome: sent; or,
 * for a temporary failure (an SMTP reply 4xx, a connection that failed), pending again after a
 * backoff of 1, 4, 16, 64 minutes… up to 6 hours; or, for an SMTP reply of 5xx or after {@link
 * #MAX_ATTEMPTS} attempts, failed for good.
 *
 * <p>Each mail's claim commits before the mail server is contacted, so a mail found claimed
 * after a restart is sent again: never twice except when the process died between the server's
 * acceptance and the record of it, and then with the same Message-ID, which mail clients show
 * once. In a cluster the claim is fenced by the decider lease, so a node that lost the lease
 * sends nothing after the mail in flight (docs/email.md, "Delivery guarantees").
 */
public final class MailSender implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MailSender.class);

    /** The attempts after which a mail that still fails is given up. */
    public static final int MAX_ATTEMPTS = 10;
    /** The most mails claimed at once. */
    static final int BATCH = 50;
    /** How often the thread looks for mails due without being woken (backoffs, another node's rows). */
    static final Duration TICK = Duration.ofSeconds(5);

    private static final Duration FIRST_BACKOFF = Duration.ofMinutes(1);
    private static final Duration LONGEST_BACKOFF = Duration.ofHours(6);
    private static final Duration STORE_TIMEOUT = Duration.ofSeconds(30);

    /** Renders an outbox row into the email to send. */
    @FunctionalInterface
    public interface Renderer {
        /** The email for {@code mail}; throws {@link IllegalArgumentException} if it cannot be made. */
        MailContent render(QueuedMail mail);
    }

    private final ConversationStore store;
    private final Renderer renderer;
    private final MailTransport transport;
    private final Clock clock;
    private final Function<QueuedMail, Optional<String>> replyTo;

    /** The sending thread; a wake while it waits for the store or the mail server still counts. */
    private final RoundThread thread;

    private volatile BiConsumer<OutboundMail, String> undelivered = (m, e) -> {};

    /** A sender of {@code store}'s outbox, its mails without a {@code Reply-To}; {@link #start()} runs its thread. */
    public MailSender(ConversationStore store, Renderer renderer, MailTransport transport, Clock clock) {
        this(store, renderer, transport, clock, NO_REPLY_TO);
    }

    /**
     * A sender of {@code store}'s outbox whose mails carry the {@code Reply-To} that {@code
     * replyTo} gives for each (a signed per-conversation address), none where it gives none;
     * {@link #start()} runs its thread.
     */
    public MailSender(
            ConversationStore store,
            Renderer renderer,
            MailTransport transport,
            Clock clock,
            Function<QueuedMail, Optional<String>> replyTo) {
        this(store, renderer, transport, clock, replyTo, TICK);
    }

    /** As above, looking for mails due every {@code tick} when not woken (tests set it long). */
    MailSender(
            ConversationStore store,
            Renderer renderer,
            MailTransport transport,
            Clock clock,
            Function<QueuedMail, Optional<String>> replyTo,
            Duration tick) {
        this.thread = new RoundThread("concierge-mail-sender", tick);
        this.store = Objects.requireNonNull(store, "store");
        this.renderer = Objects.requireNonNull(renderer, "renderer");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.replyTo = Objects.requireNonNull(replyTo, "replyTo");
    }

    /** No {@code Reply-To} on any mail. */
    public static final Function<QueuedMail, Optional<String>> NO_REPLY_TO = m -> Optional.empty();

    /** The most Message-IDs a {@code References} header names: the first and the latest ones. */
    static final int MAX_REFERENCES = 10;

    /**
     * A sender of {@code store}'s outbox through {@code transport} (SMTP, or the {@link
     * DevMailbox}), rendering every kind of mail with the templates and sender of each mail's site
     * in {@code sites} (else {@code settings.from()}), each with the {@code Reply-To} that {@code
     * replyTo} gives; {@link #start()} runs it.
     */
    public static MailSender over(
            ConversationStore store,
            MailSettings settings,
            java.util.Map<String, Site> sites,
            Clock clock,
            MailTransport transport,
            Function<QueuedMail, Optional<String>> replyTo) {
        return over(store, settings, sites, clock, transport, replyTo, FileUrls.NONE);
    }

    /**
     * {@link #over(ConversationStore, MailSettings, java.util.Map, Clock, MailTransport, Function)},
     * with the files messages carry linked by {@code files}.
     */
    public static MailSender over(
            ConversationStore store,
            MailSettings settings,
            java.util.Map<String, Site> sites,
            Clock clock,
            MailTransport transport,
            Function<QueuedMail, Optional<String>> replyTo,
            FileUrls files) {
        return new MailSender(store, new MailRenderer(store, settings.from(), sites, files), transport, clock, replyTo);
    }

    /**
     * Calls {@code listener} with each mail recorded failed for good (refused by the mail server,
     * given up, or impossible to make) and the reason recorded, after the record committed; e.g.
     * to tell the conversation's agents. Set before {@link #start()}; returns this.
     */
    public MailSender onUndelivered(BiConsumer<OutboundMail, String> listener) {
        this.undelivered = Objects.requireNonNull(listener, "listener");
        return this;
    }

    /** Starts the sending thread; returns this. */
    public MailSender start() {
        thread.start(() -> sendDue() >= BATCH);
        return this;
    }

    /** Makes the thread look for mails due now, e.g. after an append that enqueued some. */
    public void wake() {
        thread.wake();
    }

    /** Stops the thread, letting the mail it is sending finish. */
    @Override
    public void close() {
        thread.stop(Duration.ofMillis(TimeUnit.SECONDS.toMillis(MailTransport.TIMEOUT_MILLIS / 1000 * 3)));
    }

    /**
     * One round: reads the mails due now (at most {@link #BATCH}), then claims and sends each in
     * turn, recording its outcome; a mail the claim did not take (cancelled, e.g. read in the
     * chat, or deleted by the purge or an erasure since it was read) is not sent. Returns how
     * many were due. Blocking; the thread's work,
     * callable by tests.
     */
    int sendDue() {
        List<QueuedMail> due = store.dueMail(clock.instant(), BATCH);
        if (due.isEmpty()) {
            return 0;
        }
        for (QueuedMail mail : due) {
            if (!thread.running()) {
                break; // not claimed: the next sender sends it
            }
            // Each mail is claimed just before it is sent, not the whole batch at once: in a
            // cluster the claim is a write fenced by the decider lease, so a node that lost the
            // lease sends at most the one mail it was sending, not the rest of a batch the next
            // decider sends too.
            String id = mail.mail().messageId();
            if (!await(store.claimMail(List.of(id))).contains(id)) {
                LOG.debug("email {} not sent: cancelled or deleted since it was read as due", id);
                continue;
            }
            sendOne(mail, mail.attempts() + 1);
        }
        return due.size();
    }

    private void failed(QueuedMail queued, String reason) {
        await(store.mailFailed(queued.mail().messageId(), reason));
        try {
            undelivered.accept(queued.mail(), reason);
        } catch (RuntimeException e) {
            LOG.warn("after email {} failed: {}", queued.mail().messageId(), e.toString());
        }
    }

    private void sendOne(QueuedMail queued, int attempt) {
        String id = queued.mail().messageId();
        MimeMessage message;
        try {
            message = message(queued, renderer.render(queued));
        } catch (MessagingException | RuntimeException e) {
            LOG.warn("email {} cannot be made, not sent: {}", id, e.toString());
            failed(queued, "cannot be made: " + e.getMessage());
            return;
        }
        try {
            transport.send(message);
        } catch (MessagingException e) {
            String reply = reply(e);
            int code = code(e);
            if (code >= 500) {
                LOG.warn("email {} refused by the mail server: {}", id, reply);
                failed(queued, reply);
            } else if (attempt >= MAX_ATTEMPTS) {
                LOG.warn("email {} given up after {} attempts: {}", id, attempt, reply);
                failed(queued, "gave up after " + attempt + " attempts: " + reply);
            } else {
                Instant next = clock.instant().plus(backoff(attempt));
                LOG.info("email {} deferred to {} (attempt {}): {}", id, next, attempt, reply);
                await(store.mailDeferred(id, next, reply));
            }
            return;
        }
        await(store.mailSent(id, clock.instant()));
    }

    /** The wait after the {@code attempt}-th failed attempt: 1 minute, then 4 times longer each time, at most 6 hours. */
    static Duration backoff(int attempt) {
        Duration d = FIRST_BACKOFF;
        for (int i = 1; i < attempt && d.compareTo(LONGEST_BACKOFF) < 0; i++) {
            d = d.multipliedBy(4);
        }
        return d.compareTo(LONGEST_BACKOFF) < 0 ? d : LONGEST_BACKOFF;
    }

    /** The email of an outbox row: its fixed Message-ID and date, the rendered parts. */
    private MimeMessage message(QueuedMail queued, MailContent content) throws MessagingException {
        FixedIdMessage m = new FixedIdMessage(transport, queued.mail().messageId());
        m.setFrom(new InternetAddress(content.from(), true));
        m.setRecipient(
                Message.RecipientType.TO, new InternetAddress(queued.mail().recipient(), true));
        // One line whatever a template or a name in it holds: no header can be started from it.
        m.setSubject(MailTemplates.oneLine(content.subject()), StandardCharsets.UTF_8.name());
        m.setSentDate(Date.from(queued.mail().createdAt()));
        // RFC 3834: an automatic message, so auto-responders do not answer it.
        m.setHeader("Auto-Submitted", "auto-generated");
        Optional<String> reply = replyTo.apply(queued);
        if (reply.isPresent()) {
            m.setReplyTo(new InternetAddress[] {new InternetAddress(reply.get(), true)});
        }
        List<String> earlier = earlier(queued);
        if (!earlier.isEmpty()) {
            // Threading (RFC 5322 3.6.4): the mails sent before in this conversation to this address.
            m.setHeader("In-Reply-To", "<" + earlier.get(earlier.size() - 1) + ">");
            List<String> named = new ArrayList<>(earlier.subList(0, 1)); // the first, then the latest ones
            named.addAll(earlier.subList(Math.max(1, earlier.size() - (MAX_REFERENCES - 1)), earlier.size()));
            m.setHeader(
                    "References",
                    String.join(" ", named.stream().map(i -> "<" + i + ">").toList()));
        }
        MimeBodyPart text = new MimeBodyPart();
        text.setText(content.text(), StandardCharsets.UTF_8.name(), "plain");
        MimeBodyPart html = new MimeBodyPart();
        html.setText(content.html(), StandardCharsets.UTF_8.name(), "html");
        MimeMultipart alternative = new MimeMultipart("alternative", text, html);
        m.setContent(alternative);
        m.saveChanges();
        return m;
    }

    /**
     * The Message-IDs of the mails of the same conversation to the same address enqueued before
     * {@code queued} (by creation time, then id), oldest first, whatever became of them: the same
     * list when the mail is sent again after a crash, so the resend is the same message.
     */
    private List<String> earlier(QueuedMail queued) {
        OutboundMail mail = queued.mail();
        return store.mailOf(mail.conversationId()).stream()
                .map(QueuedMail::mail)
                .filter(o -> o.recipient().equalsIgnoreCase(mail.recipient()))
                .filter(o -> o.createdAt().isBefore(mail.createdAt())
                        || (o.createdAt().equals(mail.createdAt())
                                && o.messageId().compareTo(mail.messageId()) < 0))
                .sorted(java.util.Comparator.comparing(OutboundMail::createdAt).thenComparing(OutboundMail::messageId))
                .map(OutboundMail::messageId)
                .toList();
    }

    /** A message whose Message-ID is the outbox's, kept through {@link MimeMessage#saveChanges()}. */
    private static final class FixedIdMessage extends MimeMessage {
        private final String id;

        FixedIdMessage(MailTransport transport, String id) {
            super(transport.session());
            this.id = id;
        }

        @Override
        protected void updateMessageID() throws MessagingException {
            setHeader("Message-ID", "<" + id + ">");
        }
    }

    private static int code(MessagingException e) {
        for (Exception x = e; x != null; x = x instanceof MessagingException me ? me.getNextException() : null) {
            if (x instanceof SMTPSendFailedException s) {
                return s.getReturnCode();
            }
            if (x instanceof SMTPAddressFailedException a) {
                return a.getReturnCode();
            }
        }
        return -1;
    }

    private static String reply(MessagingException e) {
        String m = e.getMessage();
        if (e.getNextException() != null && e.getNextException().getMessage() != null) {
            m = m + ": " + e.getNextException().getMessage();
        }
        return m == null ? e.getClass().getSimpleName() : m.strip();
    }

    private static <T> T await(CompletableFuture<T> write) {
        return RoundThread.await(write, STORE_TIMEOUT, "the outbox");
    }
}
