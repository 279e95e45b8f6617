package dev.concierge.server.mail;

import dev.concierge.server.routing.EmailReply;
import dev.concierge.server.routing.Router;
import dev.concierge.store.ConversationStore;
import jakarta.mail.Address;
import jakarta.mail.FetchProfile;
import jakarta.mail.Flags;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.UIDFolder;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.eclipse.angus.mail.imap.IMAPFolder;
import org.eclipse.angus.mail.imap.IMAPStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads visitors' replies by email from an IMAP mailbox and hands each to the router as a visitor
 * message marked {@code via: "email"} ({@link Router#visitorReplyByEmail}). One thread, on the
 * node that decides (a single server always does); IMAP IDLE when the server has it (renewed
 * every {@link ImapSettings#poll()}, 9 minutes at most, so that a mail arriving just before an
 * IDLE starts waits no longer than a poll), else a look every {@link ImapSettings#poll()}.
 *
 * <p>Each message is read oldest first and then deleted from the mailbox, only once its outcome
 * is final: stored (committed), recognised as read before, or dropped. A reply is dropped, counted
 * by reason ({@link #counts()}) and logged without its content when: it is larger than {@value
 * #MAX_BYTES} bytes ({@code too_large}); it is an automatic reply or a bounce ({@code
 * auto_reply}: {@code Auto-Submitted} other than {@code no}, {@code X-Autoreply}, {@code
 * X-Autorespond}, {@code Precedence: bulk|auto_reply|list|junk}, an empty {@code Return-Path});
 * no recipient carries a valid reply token ({@code no_token}); it has no readable {@code
 * text/plain} part ({@code unreadable}); nothing is left once quotes and signature are cut
 * ({@code empty}); or the router refuses it (unknown, erased or long closed conversation, a
 * sender the conversation never mailed, over the hourly limit). A message whose outcome is not
 * final (the store failed) stays and is read again; the client id {@code mail:} + SHA-256 of
 * its Message-ID makes the second read harmless.
 */
public final class ReplyReader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ReplyReader.class);

    /** The largest reply read, in bytes (the raw message); larger ones are dropped unread. */
    public static final int MAX_BYTES = 256 * 1024;
    /** IDLE is renewed this often (RFC 2177 asks for less than 29 minutes). */
    static final Duration IDLE_RENEWAL = Duration.ofMinutes(9);

    private static final Duration OUTCOME_TIMEOUT = Duration.ofSeconds(30);

    /** Where a reply goes: the router's {@link Router#visitorReplyByEmail}. */
    @FunctionalInterface
    public interface Replies {
        /** Takes a reply's new text into a conversation; see {@link Router#visitorReplyByEmail}. */
        CompletableFuture<EmailReply> accept(String conversationId, String from, String text, String clientId);
    }

    private final ImapSettings settings;
    private final ConversationStore store;
    private final ReplyToken tokens;
    private final Replies replies;
    private final boolean useIdle;
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    private final ScheduledExecutorService watchdog;
    private volatile boolean running = true;
    private volatile Thread thread;
    private volatile Store connected;

    /**
     * A reader of the mailbox of {@code settings}; {@code store} tells which sites mailed a
     * conversation (the token is checked against them). {@link #start()} runs its thread.
     */
    public ReplyReader(ImapSettings settings, ConversationStore store, Replies replies) {
        this(settings, store, replies, true);
    }

    ReplyReader(ImapSettings settings, ConversationStore store, Replies replies, boolean useIdle) {
        this(Objects.requireNonNull(settings, "settings"), settings.tokens(), store, replies, useIdle);
    }

    private ReplyReader(
            ImapSettings settings, ReplyToken tokens, ConversationStore store, Replies replies, boolean useIdle) {
        this.settings = settings;
        this.store = Objects.requireNonNull(store, "store");
        this.replies = Objects.requireNonNull(replies, "replies");
        this.tokens = Objects.requireNonNull(tokens, "tokens");
        this.useIdle = useIdle;
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "concierge-reply-reader-idle");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * A reader with no mailbox, for replies handed to {@link #handle} by other means (the
     * development mailbox page): the same checks, stripping and drops. {@link #start()} refuses.
     */
    public static ReplyReader withoutMailbox(ReplyToken tokens, ConversationStore store, Replies replies) {
        return new ReplyReader(null, tokens, store, replies, false);
    }

    /** Starts the reading thread; returns this. */
    public synchronized ReplyReader start() {
        if (settings == null) {
            throw new IllegalStateException("this reply reader has no mailbox to read");
        }
        if (thread != null) {
            throw new IllegalStateException("the reply reader is started already");
        }
        Thread t = new Thread(this::run, "concierge-reply-reader");
        t.setDaemon(true);
        thread = t;
        t.start();
        return this;
    }

    /** Replies handled so far, by outcome ({@code stored}, {@code duplicate} or the drop reason). */
    public Map<String, Long> counts() {
        Map<String, Long> out = new TreeMap<>();
        counts.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    /**
     * Handles one reply (read over IMAP, or posted by the development mailbox): checks, strips
     * and hands it to the router. Completes with its outcome: {@code stored}, {@code duplicate}
     * or the reason it was dropped; fails only when the outcome is not final (the store failed).
     * Blocking for a moment (reads the outbox of the conversation named): not on an event loop.
     */
    public CompletableFuture<String> handle(MimeMessage message) {
        try {
            return outcome(message).thenApply(this::counted);
        } catch (MessagingException e) {
            return CompletableFuture.completedFuture(counted("unreadable"));
        } catch (RuntimeException e) {
            LOG.warn("reply could not be read: {}", e.getClass().getSimpleName());
            return CompletableFuture.completedFuture(counted("unreadable"));
        }
    }

    private CompletableFuture<String> outcome(MimeMessage message) throws MessagingException {
        int size = message.getSize();
        if (size > MAX_BYTES) {
            return drop("too_large", null);
        }
        if (automatic(message)) {
            return drop("auto_reply", null);
        }
        Optional<String> conversation = conversation(message);
        if (conversation.isEmpty()) {
            return drop("no_token", null);
        }
        String id = conversation.get();
        String text;
        try {
            text = ReplyText.strip(ReplyText.body(message));
        } catch (ReplyText.Unreadable e) {
            return drop("unreadable", id + " (" + e.getMessage() + ")");
        }
        if (text.isEmpty()) {
            return drop("empty", id);
        }
        Optional<String> from = from(message);
        if (from.isEmpty()) {
            return drop("unknown_sender", id);
        }
        return replies.accept(id, from.get(), text, clientId(message, from.get(), text))
                .thenApply(result -> {
                    String outcome = result.name().toLowerCase(Locale.ROOT);
                    if (result != EmailReply.STORED && result != EmailReply.DUPLICATE) {
                        LOG.info("reply to {} dropped: {}", id, outcome);
                    }
                    return outcome;
                });
    }

    private static CompletableFuture<String> drop(String reason, String conversation) {
        LOG.info("reply dropped: {}{}", reason, conversation == null ? "" : " (conversation " + conversation + ")");
        return CompletableFuture.completedFuture(reason);
    }

    private String counted(String outcome) {
        counts.computeIfAbsent(outcome, k -> new AtomicLong()).incrementAndGet();
        return outcome;
    }

    /** An out-of-office answer, a bounce or a list mail: answering or storing it could loop. */
    static boolean automatic(MimeMessage m) throws MessagingException {
        String auto = m.getHeader("Auto-Submitted", ",");
        if (auto != null && !auto.strip().toLowerCase(Locale.ROOT).startsWith("no")) {
            return true;
        }
        if (m.getHeader("X-Autoreply") != null || m.getHeader("X-Autorespond") != null) {
            return true;
        }
        String precedence = m.getHeader("Precedence", ",");
        if (precedence != null
                && Set.of("bulk", "auto_reply", "list", "junk")
                        .contains(precedence.strip().toLowerCase(Locale.ROOT))) {
            return true;
        }
        String returnPath = m.getHeader("Return-Path", ",");
        return returnPath != null && returnPath.replaceAll("\\s", "").equals("<>");
    }

    /** The conversation the first recipient with a valid reply token names. */
    private Optional<String> conversation(MimeMessage m) throws MessagingException {
        Set<String> locals = new LinkedHashSet<>();
        for (Message.RecipientType type : List.of(Message.RecipientType.TO, Message.RecipientType.CC)) {
            Address[] addresses;
            try {
                addresses = m.getRecipients(type);
            } catch (AddressException e) {
                addresses = null;
            }
            if (addresses != null) {
                for (Address a : addresses) {
                    if (a instanceof InternetAddress ia && ia.getAddress() != null) {
                        locals.add(localPart(ia.getAddress()));
                    }
                }
            }
        }
        for (String header : List.of("Delivered-To", "X-Original-To")) {
            String[] values = m.getHeader(header);
            if (values != null) {
                for (String v : values) {
                    locals.add(localPart(v.strip().replaceAll("^<|>$", "")));
                }
            }
        }
        for (String local : locals) {
            Optional<String> claimed = ReplyToken.claimedConversation(local);
            if (claimed.isEmpty()) {
                continue;
            }
            Set<String> sites = new LinkedHashSet<>();
            store.mailOf(claimed.get()).forEach(q -> sites.add(q.mail().site()));
            for (String site : sites) {
                Optional<String> verified = tokens.conversationOf(site, local);
                if (verified.isPresent()) {
                    return verified;
                }
            }
        }
        return Optional.empty();
    }

    private static String localPart(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? address : address.substring(0, at);
    }

    private static Optional<String> from(MimeMessage m) {
        try {
            Address[] from = m.getFrom();
            if (from == null || from.length != 1 || !(from[0] instanceof InternetAddress ia)) {
                return Optional.empty();
            }
            return Optional.ofNullable(ia.getAddress());
        } catch (MessagingException e) {
            return Optional.empty();
        }
    }

    /** {@code mail:} and the SHA-256 of the Message-ID (of the sender and text when it has none), base64url. */
    static String clientId(MimeMessage m, String from, String text) throws MessagingException {
        String messageId = m.getMessageID();
        String key = messageId != null && !messageId.isBlank() ? messageId.strip() : "none:" + from + "\n" + text;
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return "mail:" + Base64.getUrlEncoder().withoutPadding().encodeToString(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    // ---- the IMAP loop ----

    private void run() {
        Duration retry = Duration.ofSeconds(5);
        while (running) {
            try {
                readMailbox();
                retry = Duration.ofSeconds(5);
            } catch (MessagingException | RuntimeException e) {
                if (!running) {
                    break;
                }
                LOG.warn(
                        "reply mailbox {}: {} ({}); again in {} s",
                        settings.imap().getHost(),
                        e.getClass().getSimpleName(),
                        e.getMessage(),
                        retry.toSeconds());
                LockSupport.parkNanos(retry.toNanos());
                retry = retry.multipliedBy(2).compareTo(settings.poll()) > 0 ? settings.poll() : retry.multipliedBy(2);
            }
        }
    }

    private Session session() {
        String scheme = settings.imap().getScheme().toLowerCase(Locale.ROOT);
        Properties p = new Properties();
        String prefix = "mail." + scheme + ".";
        p.setProperty(prefix + "connectiontimeout", String.valueOf(MailTransport.TIMEOUT_MILLIS));
        p.setProperty(prefix + "timeout", String.valueOf(IDLE_RENEWAL.toMillis() + MailTransport.TIMEOUT_MILLIS));
        p.setProperty(prefix + "writetimeout", String.valueOf(MailTransport.TIMEOUT_MILLIS));
        p.setProperty(prefix + "ssl.checkserveridentity", "true");
        return Session.getInstance(p);
    }

    private void readMailbox() throws MessagingException {
        String scheme = settings.imap().getScheme().toLowerCase(Locale.ROOT);
        Store imap = session().getStore(scheme);
        try {
            connected = imap;
            imap.connect(
                    settings.imap().getHost(),
                    settings.imap().getPort(),
                    settings.user().orElse(null),
                    settings.password().orElse(null));
            Folder folder = imap.getFolder(settings.folder());
            folder.open(Folder.READ_WRITE);
            boolean idle = useIdle && imap instanceof IMAPStore s && s.hasCapability("IDLE");
            LOG.info("reading replies from {} ({})", settings.imap().getHost(), idle ? "IDLE" : "polling");
            while (running) {
                readAll(folder);
                if (!running) {
                    break;
                }
                if (idle && folder instanceof IMAPFolder f) {
                    // A mail that arrives between the look above and the IDLE below may not be
                    // announced: the IDLE ends after the poll interval anyway (9 minutes at most).
                    Duration renewal = settings.poll().compareTo(IDLE_RENEWAL) < 0 ? settings.poll() : IDLE_RENEWAL;
                    ScheduledFuture<?> renew = watchdog.schedule(
                            () -> {
                                try {
                                    f.getMessageCount(); // ends the IDLE: the loop starts another
                                } catch (MessagingException | RuntimeException e) {
                                    // the loop sees the broken connection
                                }
                            },
                            renewal.toMillis(),
                            TimeUnit.MILLISECONDS);
                    try {
                        f.idle(true);
                    } finally {
                        renew.cancel(false);
                    }
                } else {
                    LockSupport.parkNanos(settings.poll().toNanos());
                }
            }
        } finally {
            connected = null;
            try {
                imap.close();
            } catch (MessagingException e) {
                // closing anyway
            }
        }
    }

    /** Handles every message in the folder, oldest first, deleting each whose outcome is final. */
    private void readAll(Folder folder) throws MessagingException {
        Message[] messages = folder.getMessages();
        if (messages.length == 0) {
            return;
        }
        FetchProfile profile = new FetchProfile();
        profile.add(FetchProfile.Item.FLAGS);
        profile.add(FetchProfile.Item.SIZE);
        profile.add(UIDFolder.FetchProfileItem.UID);
        folder.fetch(messages, profile);
        List<Message> done = new ArrayList<>();
        for (Message message : messages) {
            if (!running) {
                break;
            }
            if (message.isSet(Flags.Flag.DELETED) || !(message instanceof MimeMessage mime)) {
                continue;
            }
            try {
                String outcome = handle(mime).get(OUTCOME_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                LOG.debug("reply {}: {}", uid(folder, message), outcome);
                done.add(message);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (Exception e) {
                // Not final (the store failed or took too long): the message stays, read again later.
                LOG.warn(
                        "reply {} kept for later: {}",
                        uid(folder, message),
                        e.getClass().getSimpleName());
            }
        }
        if (!done.isEmpty()) {
            folder.setFlags(done.toArray(Message[]::new), new Flags(Flags.Flag.DELETED), true);
            folder.expunge();
        }
    }

    private static String uid(Folder folder, Message message) {
        try {
            return folder instanceof UIDFolder u ? "uid " + u.getUID(message) : "#" + message.getMessageNumber();
        } catch (MessagingException e) {
            return "#" + message.getMessageNumber();
        }
    }

    /** Stops the thread; a reply being handled finishes (or stays in the mailbox). */
    @Override
    public void close() {
        running = false;
        watchdog.shutdownNow();
        Store s = connected;
        if (s != null) {
            try {
                s.close(); // ends an IDLE
            } catch (MessagingException | RuntimeException e) {
                // closing anyway
            }
        }
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
