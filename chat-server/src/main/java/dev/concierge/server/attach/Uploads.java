package dev.concierge.server.attach;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.concierge.protocol.Attachment;
import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.server.auth.AgentAuth;
import dev.concierge.store.AttachmentStore;
import dev.concierge.store.AttachmentStore.StoredAttachment;
import dev.concierge.store.ConversationRecord;
import dev.concierge.store.ConversationStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decisions of an upload (docs/attachments.md) that need the store: who may upload to a
 * conversation and how much, and, once the bytes are in a temporary file, what they are and
 * where they are kept. Every method but the constructor blocks: call them on {@link #lane()}.
 */
public final class Uploads {
    private static final Logger log = LoggerFactory.getLogger(Uploads.class);
    /** The suffix of the temporary files uploads stream into; any file a crash left is deleted at start. */
    static final String PART = ".part";

    private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

    private final AttachmentSettings settings;
    private final ConversationStore store;
    private final Optional<AttachmentStore> attachments;
    private final AgentAuth auth;
    private final FileInspector inspector;
    /** clamd, when the settings name one: every upload is scanned before it is stored. */
    private final Optional<VirusScanner> scanner;

    private final ExecutorService lane;
    private final Clock clock;
    private final Path tempDir;
    private final UploadLimiter limiter;
    /** Tells the other nodes of a cluster of each visitor's upload admitted here; nothing on a single server. */
    private volatile Consumer<String> admittedHere = uploader -> {};

    private final SecureRandom random = new SecureRandom();

    /**
     * Uploads into {@code store}'s attachments, streamed through files in {@code tempDir} (created,
     * and emptied of the temporary files a crash left), their blocking work on {@code lane}.
     */
    public Uploads(
            AttachmentSettings settings,
            ConversationStore store,
            AgentAuth auth,
            ExecutorService lane,
            Clock clock,
            Ticker ticker,
            Path tempDir) {
        this.settings = settings;
        this.store = store;
        this.attachments = store.attachments();
        this.auth = auth;
        this.inspector = new FileInspector(settings);
        this.scanner = VirusScanner.of(settings);
        this.lane = lane;
        this.clock = clock;
        this.tempDir = tempDir;
        this.limiter = new UploadLimiter(settings.uploadsPerWindow(), settings.uploadWindow(), ticker);
        if (attachments.isPresent()) {
            removeLeftovers(tempDir);
        }
    }

    /**
     * Makes the per-visitor upload limit hold over a cluster's nodes (docs/attachments.md, "In a
     * cluster"): each visitor's upload admitted here is told to {@code toOthers}, and {@link
     * #admittedElsewhere} counts those the other nodes admitted.
     */
    public void share(Consumer<String> toOthers) {
        this.admittedHere = Objects.requireNonNull(toOthers, "toOthers");
    }

    /** Counts an upload another node admitted for {@code uploader} ({@code visitor:<id>}) against its limit. */
    public void admittedElsewhere(String uploader) {
        if (uploader.startsWith("visitor:")) {
            limiter.charge(uploader);
        }
    }

    /** The limits. */
    public AttachmentSettings settings() {
        return settings;
    }

    /** The lane uploads' blocking work runs on. */
    ExecutorService lane() {
        return lane;
    }

    /** Whether the store keeps attachments; without, every upload is answered 501. */
    boolean supported() {
        return attachments.isPresent();
    }

    /** What a step of an upload comes to. */
    sealed interface Outcome permits Refused, Admitted, Stored {}

    /** A refusal: the HTTP status, the error code and a message for the uploader; {@code retryAfter} seconds or 0. */
    record Refused(int status, ErrorCode code, String message, long retryAfter) implements Outcome {
        static Refused of(int status, ErrorCode code, String message) {
            return new Refused(status, code, message, 0);
        }
    }

    /** An admitted upload: who uploads, the most bytes it may have, and the file its bytes go to. */
    record Admitted(String uploadedBy, long limit, Path temp) implements Outcome {}

    /** A stored upload: the view its messages show. */
    record Stored(Attachment view) implements Outcome {}

    /**
     * Whether the caller of {@code authorization} may upload to {@code conversationId}: a visitor
     * to their own open conversation (within their upload rate), a signed-in agent to any open
     * one; either way while the conversation has room. A missing conversation and one the
     * caller may not see are answered alike (404).
     */
    Outcome admit(String authorization, String conversationId) throws IOException {
        Optional<ConversationRecord> record = store.conversation(conversationId);
        Optional<String> uploader = record.flatMap(r -> uploader(authorization, r));
        if (uploader.isEmpty()) {
            return Refused.of(404, ErrorCode.NOT_FOUND, "no such conversation");
        }
        if (record.get().state() == ConversationState.CLOSED) {
            return Refused.of(409, ErrorCode.BAD_STATE, "the conversation is closed");
        }
        long room = settings.maxConversationBytes() - attachments.orElseThrow().bytesOf(conversationId);
        if (room <= 0) {
            return Refused.of(413, ErrorCode.TOO_LARGE, "the conversation holds as many files as it may");
        }
        if (uploader.get().startsWith("visitor:")) {
            OptionalLong wait = limiter.admit(uploader.get());
            if (wait.isPresent()) {
                return new Refused(
                        429,
                        ErrorCode.RATE_LIMITED,
                        "too many uploads; try again in " + wait.getAsLong() + " s",
                        wait.getAsLong());
            }
            admittedHere.accept(uploader.get());
        }
        Files.createDirectories(tempDir);
        Path temp = Files.createTempFile(tempDir, "upload-", PART);
        return new Admitted(uploader.get(), Math.min(settings.maxFileBytes(), room), temp);
    }

    /** {@code visitor:<id>} or {@code agent:<id>} when {@code authorization} may see {@code record}. */
    private Optional<String> uploader(String authorization, ConversationRecord record) {
        if (authorization == null) {
            return Optional.empty();
        }
        if (authorization.startsWith("Bearer ")) {
            return auth.agentFor(authorization.substring(7).trim()).map(a -> "agent:" + a.id());
        }
        if (authorization.startsWith("Visitor ")) {
            return store.visitorByToken(authorization.substring(8).trim())
                    .filter(v -> v.id().equals(record.visitorId()))
                    .map(v -> "visitor:" + v.id());
        }
        return Optional.empty();
    }

    /**
     * Decides what the complete upload in {@code temp} is, stores it and records it: answers the
     * attachment's view, or a {@link Refused}. Deletes {@code temp} (and any re-encoded copy)
     * either way.
     */
    Outcome store(Admitted upload, String conversationId, String name) throws IOException, InterruptedException {
        Path temp = upload.temp();
        Path content = temp;
        try {
            if (Files.size(temp) == 0) {
                return Refused.of(400, ErrorCode.BAD_REQUEST, "the upload is empty");
            }
            FileInspector.Inspection inspection;
            try {
                inspection = inspector.inspect(temp, tempDir);
                content = inspection.content();
                if (scanner.isPresent()) {
                    scanner.get().check(content);
                }
            } catch (FileInspector.Refusal r) {
                return Refused.of(r.status(), r.code(), r.getMessage());
            }
            long size = Files.size(content);
            AttachmentStore attachments = this.attachments.orElseThrow();
            if (attachments.bytesOf(conversationId) + size > settings.maxConversationBytes()) {
                return Refused.of(413, ErrorCode.TOO_LARGE, "the conversation holds as many files as it may");
            }
            String sha256 = sha256(content);
            boolean image = Attachment.IMAGE.equals(inspection.kind());
            Attachment view = new Attachment(
                    newId(),
                    FileNames.sanitise(name, inspection.extension()),
                    inspection.kind(),
                    inspection.mediaType(),
                    size,
                    image ? inspection.width() : null,
                    image ? inspection.height() : null);
            attachments.putContent(sha256, content).get();
            attachments
                    .add(new StoredAttachment(view, conversationId, upload.uploadedBy(), sha256, clock.instant(), 0))
                    .get();
            return new Stored(view);
        } catch (ExecutionException e) {
            throw new IOException("storing the upload failed", e.getCause());
        } finally {
            delete(temp);
            if (!content.equals(temp)) {
                delete(content);
            }
        }
    }

    /** Deletes a temporary file, logging (not throwing) a failure. */
    static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("cannot delete the temporary upload {}: {}", file.getFileName(), e.toString());
        }
    }

    /** A new attachment id: {@code a_} and 26 base32 characters (130 random bits). */
    private String newId() {
        byte[] bytes = new byte[17];
        random.nextBytes(bytes);
        StringBuilder id = new StringBuilder("a_");
        long bits = 0;
        int have = 0;
        int at = 0;
        while (id.length() < 28) {
            if (have < 5) {
                bits = (bits << 8) | (bytes[at++] & 0xff);
                have += 8;
            }
            id.append(BASE32[(int) (bits >>> (have - 5)) & 31]);
            have -= 5;
        }
        return id.toString();
    }

    static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Deletes the temporary files of uploads a crash cut short: none of them was ever stored. */
    private static void removeLeftovers(Path dir) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        // The directory is the uploads' own: whatever is in it is a cut-short upload or its re-encoding.
        try (DirectoryStream<Path> parts = Files.newDirectoryStream(dir, Files::isRegularFile)) {
            for (Path part : parts) {
                delete(part);
            }
        } catch (IOException e) {
            log.warn("cannot list the temporary uploads in {}: {}", dir, e.toString());
        }
    }
}
