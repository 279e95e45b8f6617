package dev.concierge.client;

import dev.concierge.protocol.wire.Checks;
import dev.concierge.protocol.wire.ClientMessage;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A file to send, and the text that goes with it: {@code FileUpload.of(Path.of("mug.jpg"))},
 * {@code FileUpload.of("receipt.pdf", bytes).withText("The receipt")}. Immutable.
 *
 * <p>The server decides what the file is from its bytes alone (docs/attachments.md): the name is
 * shown to people and used for downloads, never trusted for the type. A file of a
 * {@link #of(Path) path} is streamed from the disk, never read whole into memory, and its length
 * is sent first, so a file over the server's limit is refused as soon as the server reads it;
 * one of an {@link #of(String, InputStream) input stream} is streamed with no length given, and
 * refused once the server has counted past its limit.
 */
public final class FileUpload {
    private final String name;
    private final String text;
    private final Path path;
    private final byte[] bytes;
    private final InputStream stream;
    /** Whether {@link #stream} was handed to an upload: it can be read once. */
    private final AtomicBoolean streamTaken;

    private FileUpload(
            String name, String text, Path path, byte[] bytes, InputStream stream, AtomicBoolean streamTaken) {
        this.name = name;
        this.text = text;
        this.path = path;
        this.bytes = bytes;
        this.stream = stream;
        this.streamTaken = streamTaken;
    }

    /**
     * The file at {@code file}, named by its file name. It is read when the upload starts,
     * streamed from the disk.
     *
     * @param file a readable regular file, not empty
     * @return the upload
     * @throws NullPointerException when {@code file} is null
     * @throws IllegalArgumentException when it is not a readable regular file, is empty or has no
     *     file name
     * @throws UncheckedIOException when its size cannot be read
     */
    public static FileUpload of(Path file) {
        Objects.requireNonNull(file, "file");
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalArgumentException("file is not a readable regular file: " + file);
        }
        try {
            if (Files.size(file) == 0) {
                throw new IllegalArgumentException("file is empty: " + file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the size of " + file, e);
        }
        Path fileName = file.getFileName();
        if (fileName == null) {
            throw new IllegalArgumentException("file has no file name: " + file);
        }
        return new FileUpload(checkName(fileName.toString()), null, file, null, null, null);
    }

    /**
     * The bytes {@code content}, named {@code name}. The array is not copied: it must not change
     * until the upload is done.
     *
     * @param name the file's name, shown to people (the server keeps a sanitised form)
     * @param content the file's bytes, not empty
     * @return the upload
     * @throws NullPointerException when either is null
     * @throws IllegalArgumentException when {@code name} is blank or {@code content} empty
     */
    public static FileUpload of(String name, byte[] content) {
        Objects.requireNonNull(content, "content");
        checkName(name);
        if (content.length == 0) {
            throw new IllegalArgumentException("content is empty");
        }
        return new FileUpload(name, null, null, content, null, null);
    }

    /**
     * The bytes {@code content} gives until its end, named {@code name}. The upload reads it on
     * the HTTP client's threads (give a stream that does not block for long) and closes it; it
     * can be sent once. Its length is not known in advance: a file over the server's limit is
     * refused once the server has counted past it.
     *
     * @param name the file's name, shown to people (the server keeps a sanitised form)
     * @param content the file's bytes
     * @return the upload
     * @throws NullPointerException when either is null
     * @throws IllegalArgumentException when {@code name} is blank
     */
    public static FileUpload of(String name, InputStream content) {
        Objects.requireNonNull(content, "content");
        return new FileUpload(checkName(name), null, null, null, content, new AtomicBoolean());
    }

    private static String checkName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank");
        }
        return name;
    }

    /**
     * This file with a text, sent in the same message (a caption; the bot answers it when the
     * visitor is with the bot).
     *
     * @param text up to 4,000 characters, no control character other than tab and line breaks
     * @return a new upload of the same file with this text
     * @throws NullPointerException when {@code text} is null
     * @throws IllegalArgumentException when it is too long or holds a control character
     */
    public FileUpload withText(String text) {
        Objects.requireNonNull(text, "text");
        Checks.optionalText("text", text, ClientMessage.MAX_TEXT);
        return new FileUpload(name, text, path, bytes, stream, streamTaken);
    }

    /**
     * The file's name as given.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * The text sent with the file.
     *
     * @return the text; empty for none
     */
    public Optional<String> text() {
        return Optional.ofNullable(text);
    }

    /**
     * The file's length, when known before the upload.
     *
     * @return the length in bytes; empty for an input stream
     */
    public OptionalLong size() {
        if (bytes != null) {
            return OptionalLong.of(bytes.length);
        }
        if (path != null) {
            try {
                return OptionalLong.of(Files.size(path));
            } catch (IOException e) {
                return OptionalLong.empty();
            }
        }
        return OptionalLong.empty();
    }

    /**
     * The request body of one upload: the file streamed from the disk, the array, or the stream
     * (which only the first upload may take).
     *
     * @throws IllegalStateException when the stream was taken by an earlier upload
     * @throws UncheckedIOException when the file is gone
     */
    HttpRequest.BodyPublisher body() {
        if (path != null) {
            try {
                return HttpRequest.BodyPublishers.ofFile(path);
            } catch (FileNotFoundException e) {
                throw new UncheckedIOException("Cannot read " + path, e);
            }
        }
        if (bytes != null) {
            return HttpRequest.BodyPublishers.ofByteArray(bytes);
        }
        if (!streamTaken.compareAndSet(false, true)) {
            throw new IllegalStateException("the input stream of " + name + " was sent already: it can be read once");
        }
        return HttpRequest.BodyPublishers.ofInputStream(() -> stream);
    }

    /** Closes the input stream, if this is one: the upload it was read for is over. */
    void release() {
        if (stream != null) {
            try {
                stream.close();
            } catch (IOException e) {
                // Nothing more is read from it either way.
            }
        }
    }

    @Override
    public String toString() {
        return "FileUpload[" + name + (path != null ? ", " + path : "") + "]";
    }
}
