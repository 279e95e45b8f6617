package dev.concierge.server.mail;

import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the email follow-up's mails go out: the SMTP server ({@link MailTransport#smtp}), its
 * credentials (from the environment, never a command-line flag), and the {@code From} of every
 * mail, e.g. {@code Northwind help <help@northwind.example>}. The constructor rejects a bad value
 * naming the field. {@link #devMailbox(String)} sends to the {@link DevMailbox} instead of SMTP.
 */
public record MailSettings(URI smtp, Optional<String> user, Optional<String> password, String from) {
    /** Checks every field. */
    public MailSettings {
        Objects.requireNonNull(smtp, "smtp");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        Objects.requireNonNull(from, "from");
        if (!smtp.equals(DEV_MAILBOX)) {
            MailTransport.smtp(smtp, user, password); // rejects a bad scheme, host or port
        }
        try {
            InternetAddress[] parsed = InternetAddress.parse(from, true);
            if (parsed.length != 1) {
                throw new IllegalArgumentException("from must be one address, was " + from);
            }
        } catch (AddressException e) {
            throw new IllegalArgumentException("from must be one address (Name <local@domain>): " + e.getMessage());
        }
        if (!from.contains("@")) {
            throw new IllegalArgumentException("from must be one address with a domain, was " + from);
        }
    }

    /** The {@link #smtp} of settings that send to the development mailbox. */
    public static final URI DEV_MAILBOX = URI.create("dev:mailbox");

    /** Settings that keep the mails in the {@link DevMailbox} (no SMTP), sent from {@code from}. */
    public static MailSettings devMailbox(String from) {
        return new MailSettings(DEV_MAILBOX, Optional.empty(), Optional.empty(), from);
    }

    /** Whether the mails go to the {@link DevMailbox} rather than an SMTP server. */
    public boolean isDevMailbox() {
        return smtp.equals(DEV_MAILBOX);
    }

    /**
     * The settings without their credentials, fit for a log: the server's scheme, host and port
     * (never a user or password written into its URI), whether a user and a password are set,
     * and the sender.
     */
    @Override
    public String toString() {
        String server = isDevMailbox()
                ? smtp.toString()
                : smtp.getScheme() + "://" + smtp.getHost() + (smtp.getPort() < 0 ? "" : ":" + smtp.getPort());
        return "MailSettings[smtp " + server + ", user " + user.isPresent() + ", password " + password.isPresent()
                + ", from " + from + "]";
    }

    /** The domain of {@link #from}: where the Message-IDs of the mails sent end. */
    public String messageIdDomain() {
        try {
            String address = new InternetAddress(from, true).getAddress();
            return address.substring(address.lastIndexOf('@') + 1);
        } catch (AddressException e) {
            throw new IllegalStateException(e); // checked by the constructor
        }
    }
}
