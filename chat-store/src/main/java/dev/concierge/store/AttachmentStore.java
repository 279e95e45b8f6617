package dev.concierge.store;

import dev.concierge.protocol.Attachment;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Where the files attached to messages are kept (docs/attachments.md): their bytes,
 * content-addressed by SHA-256, and one record per upload. The embedded store keeps the bytes in
 * files under the data directory ({@code attachments/}), each fsynced before its write completes;
 * the PostgreSQL store keeps them in the database, so that every node of a cluster serves every
 * file. Reads block; writes complete once durable.
 *
 * <p>An upload is recorded before any message refers to it; appending a {@code message} event
 * whose {@link dev.concierge.protocol.TranscriptEvent#attachment()} names it marks it referenced
 * (its {@code seq} set), in the same transaction. Records never referenced are deleted by {@link
 * #deleteUnreferenced}; a conversation's records go with it (retention, erasure), and bytes no
 * record refers to any more are deleted with the last one.
 */
public interface AttachmentStore {

    /**
     * One upload.
     *
     * @param view what the messages show: id, name, kind, media type, size, dimensions
     * @param conversationId the conversation it was uploaded to
     * @param uploadedBy who uploaded it: {@code visitor:<visitorId>} or {@code agent:<agentId>}
     * @param sha256 the lowercase hex SHA-256 of the stored bytes
     * @param createdAt when it was stored
     * @param seq the seq of the message that carries it; 0 while none does
     */
    record StoredAttachment(
            Attachment view, String conversationId, String uploadedBy, String sha256, Instant createdAt, long seq) {
        /** Checks every field; the message names the field at fault. */
        public StoredAttachment {
            Objects.requireNonNull(view, "view");
            Objects.requireNonNull(conversationId, "conversationId");
            Objects.requireNonNull(uploadedBy, "uploadedBy");
            if (!uploadedBy.startsWith("visitor:") && !uploadedBy.startsWith("agent:")) {
                throw new IllegalArgumentException("uploadedBy must start with visitor: or agent:");
            }
            if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException("sha256 must be 64 lowercase hex digits");
            }
            Objects.requireNonNull(createdAt, "createdAt");
            if (seq < 0) {
                throw new IllegalArgumentException("seq must not be negative");
            }
        }

        /** Its id. */
        public String id() {
            return view.id();
        }
    }

    /**
     * Stores the bytes of {@code file} under {@code sha256} (which the caller computed), unless
     * they are stored already. Completes once they are durable; the caller may then delete
     * {@code file}.
     */
    CompletableFuture<Void> putContent(String sha256, Path file);

    /** The stored bytes of {@code sha256}; empty when none are stored. The caller closes it. */
    Optional<InputStream> openContent(String sha256) throws IOException;

    /** Records an upload whose bytes {@link #putContent} stored. Completes once committed. */
    CompletableFuture<Void> add(StoredAttachment attachment);

    /** The upload of {@code id}; empty when there is none (never stored, or deleted). */
    Optional<StoredAttachment> attachment(String id);

    /** The stored size of every upload to {@code conversationId}, referenced or not, in bytes. */
    long bytesOf(String conversationId);

    /**
     * Deletes the uploads created before {@code createdBefore} that no message refers to, with
     * the bytes no other upload shares. Completes with how many uploads were deleted.
     */
    CompletableFuture<Integer> deleteUnreferenced(Instant createdBefore);

    /**
     * The key download URLs are signed with (at least 32 bytes), the same on every node of a
     * cluster: made at random and kept in the store the first time it is asked for.
     */
    byte[] signingKey();
}
