package dev.concierge.client;

import dev.concierge.protocol.Attachment;
import java.util.Objects;

/**
 * What sending a file completes with: the message that carries it, as {@code send} reports it,
 * and the file as the server decided it from its bytes (its id, sanitised name, kind, media type,
 * size and, for an image, its dimensions).
 *
 * @param stored the message's conversation and {@code seq}
 * @param attachment the stored file; its {@link Attachment#id() id} is what
 *     {@code downloadUrl} and {@code download} take
 */
public record SentFile(Stored stored, Attachment attachment) {
    /**
     * Checks the fields.
     *
     * @param stored the message's conversation and {@code seq}
     * @param attachment the stored file
     * @throws NullPointerException when either is null
     */
    public SentFile {
        Objects.requireNonNull(stored, "stored");
        Objects.requireNonNull(attachment, "attachment");
    }

    /**
     * The conversation the file was sent in.
     *
     * @return {@code stored().conversationId()}
     */
    public String conversationId() {
        return stored.conversationId();
    }
}
