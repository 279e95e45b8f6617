package dev.concierge.server.mail;

import jakarta.mail.Address;
import jakarta.mail.BodyPart;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Date;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * The development mailbox: a {@link MailTransport} that keeps the latest {@link #CAPACITY} mails
 * in memory instead of handing them to a mail server, so a demo without SMTP shows what it would
 * send (the page {@code /dev/mail}). Mails reach it through the real outbox (enqueued with their
 * event, claimed, rendered, recorded sent): only the last hop differs. A reply written on the
 * page becomes a MIME message as a mail client would send it ({@link #reply}) and goes to {@link
 * Replies}, the same handler as replies read over IMAP. Thread-safe.
 */
public final class DevMailbox implements MailTransport {
    /** How many mails it keeps: the latest ones. */
    public static final int CAPACITY = 100;
    /** The sender of the demo's mails. */
    public static final String DEMO_FROM = "Concierge demo <demo@localhost>";
    /** The longest reply text accepted, in characters. */
    public static final int MAX_REPLY = 10_000;

    private static final DateTimeFormatter GMAIL_DATE = DateTimeFormatter.ofPattern(
                    "EEE, d MMM yyyy 'at' HH:mm", Locale.ENGLISH)
            .withZone(ZoneOffset.UTC);

    /** Handles a reply as if read from the reply mailbox; completes with what became of it. */
    @FunctionalInterface
    public interface Replies {
        /** Takes {@code reply} like a mail read over IMAP; completes with a short outcome. */
        CompletableFuture<String> accept(MimeMessage reply);
    }

    /**
     * A mail as it would have left: its Message-ID (without angle brackets), sender, recipient,
     * {@code Reply-To}, subject, date, threading headers, and both parts.
     */
    public record Delivered(
            String messageId,
            String from,
            String to,
            Optional<String> replyTo,
            String subject,
            Instant date,
            Optional<String> inReplyTo,
            Optional<String> references,
            String text,
            String html) {}

    private final Session session;
    /** Newest first; guarded by itself. */
    private final Deque<Delivered> mails = new ArrayDeque<>();

    private volatile Replies replies;

    /** An empty mailbox, with no handler of replies until {@link #replies(Replies)}. */
    public DevMailbox() {
        Properties p = new Properties();
        // Message-IDs of replies made here end in @localhost: no lookup of this host's name.
        p.setProperty("mail.from", "dev-mailbox@localhost");
        this.session = Session.getInstance(p);
    }

    @Override
    public Session session() {
        return session;
    }

    /** Keeps {@code message} (the oldest kept one goes when {@link #CAPACITY} are kept). */
    @Override
    public void send(MimeMessage message) throws MessagingException {
        message.saveChanges();
        String id = unbracket(Objects.requireNonNull(message.getMessageID(), "Message-ID"));
        String text = "";
        String html = "";
        try {
            Object content = message.getContent();
            if (content instanceof Multipart parts) {
                for (int i = 0; i < parts.getCount(); i++) {
                    BodyPart part = parts.getBodyPart(i);
                    if (part.isMimeType("text/plain")) {
                        text = String.valueOf(part.getContent());
                    } else if (part.isMimeType("text/html")) {
                        html = String.valueOf(part.getContent());
                    }
                }
            } else {
                text = String.valueOf(content);
            }
        } catch (IOException e) {
            throw new MessagingException("cannot read the mail's parts", e);
        }
        Optional<String> replyTo = message.getHeader("Reply-To", ",") == null
                ? Optional.empty()
                : Optional.of(addresses(message.getReplyTo()));
        Delivered d = new Delivered(
                id,
                addresses(message.getFrom()),
                addresses(message.getRecipients(Message.RecipientType.TO)),
                replyTo,
                Optional.ofNullable(message.getSubject()).orElse(""),
                message.getSentDate() == null
                        ? Instant.EPOCH
                        : message.getSentDate().toInstant(),
                Optional.ofNullable(message.getHeader("In-Reply-To", null)),
                Optional.ofNullable(message.getHeader("References", " ")),
                text,
                html);
        synchronized (mails) {
            mails.removeIf(m -> m.messageId().equals(id)); // a resend replaces its first copy
            mails.addFirst(d);
            while (mails.size() > CAPACITY) {
                mails.removeLast();
            }
        }
    }

    /** The mails kept, newest first. */
    public List<Delivered> mails() {
        synchronized (mails) {
            return List.copyOf(mails);
        }
    }

    /** The kept mail with this Message-ID (with or without angle brackets). */
    public Optional<Delivered> find(String messageId) {
        String id = unbracket(messageId);
        synchronized (mails) {
            return mails.stream().filter(m -> m.messageId().equals(id)).findFirst();
        }
    }

    /** Sets where replies written on the page go (the reader of replies by email). */
    public void replies(Replies handler) {
        this.replies = Objects.requireNonNull(handler, "handler");
    }

    /** Where replies go, if set. */
    public Optional<Replies> replies() {
        return Optional.ofNullable(replies);
    }

    /**
     * The reply a visitor's mail client would send to {@code mail}: from its recipient, to its
     * {@code Reply-To}, {@code In-Reply-To} its Message-ID and {@code References} its thread, the
     * subject with {@code Re: }, and a {@code text/plain} body of {@code text} followed by the
     * original quoted the way Gmail quotes ({@code On …, X wrote:} and {@code > } lines).
     *
     * @throws IllegalArgumentException if the mail has no {@code Reply-To} or {@code text} is blank
     *     or longer than {@link #MAX_REPLY}
     */
    public MimeMessage reply(Delivered mail, String text, Instant now) throws MessagingException {
        if (mail.replyTo().isEmpty()) {
            throw new IllegalArgumentException("this email has no reply address (Reply-To)");
        }
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("text must not be blank");
        }
        if (text.length() > MAX_REPLY) {
            throw new IllegalArgumentException("text must be at most " + MAX_REPLY + " characters");
        }
        MimeMessage r = new MimeMessage(session);
        r.setFrom(new InternetAddress(mail.to(), true));
        r.setRecipients(
                Message.RecipientType.TO, InternetAddress.parse(mail.replyTo().get(), true));
        String subject = mail.subject().regionMatches(true, 0, "Re:", 0, 3) ? mail.subject() : "Re: " + mail.subject();
        r.setSubject(MailTemplates.oneLine(subject), StandardCharsets.UTF_8.name());
        r.setSentDate(Date.from(now));
        String id = "<" + mail.messageId() + ">";
        r.setHeader("In-Reply-To", id);
        r.setHeader("References", mail.references().map(refs -> refs + " " + id).orElse(id));
        String quoted = mail.text()
                .lines()
                .map(line -> line.isEmpty() ? ">" : "> " + line)
                .collect(Collectors.joining("\n"));
        String body = text.strip() + "\n\nOn " + GMAIL_DATE.format(mail.date()) + ", " + mail.from() + " wrote:\n\n"
                + quoted + "\n";
        r.setText(body, StandardCharsets.UTF_8.name(), "plain");
        r.saveChanges();
        return r;
    }

    private static String addresses(Address[] list) {
        return list == null
                ? ""
                : Arrays.stream(list)
                        .map(a -> a instanceof InternetAddress ia ? ia.toUnicodeString() : a.toString())
                        .collect(Collectors.joining(", "));
    }

    private static String unbracket(String id) {
        String s = id.strip();
        return s.startsWith("<") && s.endsWith(">") ? s.substring(1, s.length() - 1) : s;
    }
}
