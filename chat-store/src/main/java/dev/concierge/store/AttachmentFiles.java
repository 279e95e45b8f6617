package dev.concierge.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bytes of the embedded store's attachments: one file per content under {@code
 * <data dir>/attachments/<first two hex digits>/<sha256>}. A file is written to {@code
 * attachments/tmp/}, fsynced, moved into place atomically and its directory fsynced, so that a
 * file under its name is always whole, after a crash or a power loss too; what a crash leaves in
 * {@code tmp/} is deleted when the store opens. The file name is the SHA-256 of its bytes,
 * checked while they are copied.
 */
final class AttachmentFiles {
    private static final Logger log = LoggerFactory.getLogger(AttachmentFiles.class);

    /** The directory under the data directory. */
    static final String DIR = "attachments";

    private final Path root;
    private final Path tmp;

    /** Creates {@code dataDir/attachments/tmp} if missing and empties it of a crash's leftovers. */
    AttachmentFiles(Path dataDir) {
        this.root = dataDir.resolve(DIR);
        this.tmp = root.resolve("tmp");
        try {
            Files.createDirectories(tmp);
            try (DirectoryStream<Path> left = Files.newDirectoryStream(tmp)) {
                for (Path p : left) {
                    Files.deleteIfExists(p);
                    log.info("deleted {}, an attachment a crash left half written", p.getFileName());
                }
            }
        } catch (IOException e) {
            throw new StoreException("cannot prepare " + tmp + ": " + e.getMessage(), e);
        }
    }

    /** Where the bytes of {@code sha256} live. */
    Path path(String sha256) {
        return root.resolve(sha256.substring(0, 2)).resolve(sha256);
    }

    /** Whether the bytes of {@code sha256} are stored. */
    boolean has(String sha256) {
        return Files.isRegularFile(path(sha256));
    }

    /**
     * Copies {@code file} to the file of {@code sha256}, durably, unless it is there already.
     * Fails, storing nothing, if the bytes' SHA-256 is not {@code sha256}.
     */
    void put(String sha256, Path file) throws IOException {
        Path target = path(sha256);
        if (Files.isRegularFile(target)) {
            return;
        }
        Path part = Files.createTempFile(tmp, "put-", ".part");
        try {
            try (DigestInputStream in = new DigestInputStream(Files.newInputStream(file), sha256Digest());
                    FileChannel out = FileChannel.open(part, StandardOpenOption.WRITE)) {
                OutputStream os = Channels.newOutputStream(out);
                in.transferTo(os);
                String actual = HexFormat.of().formatHex(in.getMessageDigest().digest());
                if (!actual.equals(sha256)) {
                    throw new IllegalArgumentException("the bytes' SHA-256 is " + actual + ", not " + sha256);
                }
                out.force(true);
            }
            Path dir = target.getParent();
            boolean made = !Files.isDirectory(dir);
            Files.createDirectories(dir);
            try {
                Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot move " + part + " into place atomically", e);
            }
            syncDirectory(dir);
            if (made) {
                syncDirectory(root); // the new directory's entry
            }
        } finally {
            Files.deleteIfExists(part);
        }
    }

    /** The bytes of {@code sha256}, or empty. */
    Optional<InputStream> open(String sha256) throws IOException {
        try {
            return Optional.of(Files.newInputStream(path(sha256)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** Deletes the file of {@code sha256}, if any; logs, never throws: a file left is swept later. */
    void delete(String sha256) {
        try {
            Files.deleteIfExists(path(sha256));
        } catch (IOException e) {
            log.warn("could not delete attachment bytes {}: {}", sha256, e.getMessage());
        }
    }

    static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel c = FileChannel.open(dir, StandardOpenOption.READ)) {
            c.force(true);
        }
    }
}
