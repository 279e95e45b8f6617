package dev.concierge.client;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * A visitor's files (docs/attachments.md, docs/sdk.md "Files"): sending one as a message of the
 * current conversation, and fetching those of the visitor's conversations. Part of every
 * {@link VisitorClient}.
 */
public interface VisitorFiles {
    /**
     * Sends a file in the current conversation, as {@link #sendFile(FileUpload, RequestOptions)}
     * does with the default options.
     *
     * @param file a readable regular file, not empty; streamed from the disk
     * @return completes when the message carrying the file is stored, with it and the file
     * @throws NullPointerException when {@code file} is null
     * @throws IllegalArgumentException when it is not a readable regular file or is empty
     */
    CompletableFuture<SentFile> sendFile(Path file);

    /**
     * Sends a file as a message of the current conversation (docs/attachments.md): uploads it
     * over HTTP to the server the client is connected to ({@code POST
     * /api/conversations/{id}/attachments}, with the visitor's token), then sends the
     * {@code message} frame that carries it ({@code attachmentId}, with the upload's
     * {@link FileUpload#text() text}) through the outbox, as {@link VisitorClient#send(String, RequestOptions)}
     * does: acknowledged once stored, sent again with the same request id after a lost
     * connection, stored once. When the visitor has no open conversation, the file's name is sent
     * first as a message, which starts one (as the widget does). The file goes to the bot as a
     * message does: alone, the bot offers a person; with text, it answers the text.
     *
     * <p>The deadline of {@code options} (else the builder's {@code requestTimeout}) bounds the
     * whole, upload included, from the call: give a large file on a slow network a longer one.
     * When it passes, the future fails with a {@link DeadlineExceededException} whose
     * {@code withdrawn()} is true if the message was not written yet. A retry with the same
     * request id uploads the file again but stores one message: the server answers the resend
     * with the first message's {@code seq}, which carries the first upload (the result's
     * {@code attachment()} is then the second upload, which no message carries and the server
     * deletes after a day). Cancelling the future stops the upload, or withdraws the message.
     *
     * @param file the file and its text
     * @param options the deadline and the message's request id
     * @return completes when the message carrying the file is stored, with its conversation and
     *     {@code seq} and the file as the server decided it from its bytes; fails with a
     *     {@link ServerRefusedException} whose code says why the server refused the file:
     *     {@code too_large} (over the file limit, 10 MB by default, or the conversation's),
     *     {@code unsupported_type} (a picture that does not decode, or a virus scanner's
     *     refusal), {@code rate_limited} (too many uploads: {@code retryAfter()} says when to try
     *     again), {@code bad_state} (the conversation is closed), {@code not_found},
     *     {@code busy} (with {@code retryAfter()}), {@code unavailable} (the server keeps no
     *     files); with a {@link ConnectFailedException} when the upload could not reach the
     *     server or it answered without an error code
     * @throws NullPointerException when an argument is null
     * @throws IllegalArgumentException when a request with the options' id is still waiting for
     *     its answer on this client
     * @throws IllegalStateException when {@code file} is an input stream that was sent before
     */
    CompletableFuture<SentFile> sendFile(FileUpload file, RequestOptions options);

    /**
     * A fresh URL of a file of one of the visitor's conversations ({@code GET
     * /api/conversations/{id}/attachments/{aid}}), within the builder's {@code requestTimeout}.
     * Ask for one each time the file is fetched or shown: it works for a few minutes.
     *
     * @param conversationId the conversation whose event carries the file
     * @param attachmentId the file's id, {@link dev.concierge.protocol.Attachment#id()}
     * @return completes with the URL and when it expires; fails with a
     *     {@link ServerRefusedException} of code {@code not_found} when there is no such file in
     *     that conversation or the conversation is not the visitor's (the same answer for both)
     * @throws NullPointerException when an argument is null
     * @throws IllegalArgumentException when {@code attachmentId} is not an attachment id
     */
    CompletableFuture<DownloadUrl> downloadUrl(String conversationId, String attachmentId);

    /**
     * Downloads a file of one of the visitor's conversations into {@code target}: a fresh
     * {@link #downloadUrl URL}, then the bytes, streamed into a temporary file beside
     * {@code target} and moved into its place once whole (replacing a file there), so
     * {@code target} is never left half written. The bytes are the stored file's: a picture as
     * the server re-encoded it, any other file as uploaded. The builder's {@code requestTimeout}
     * bounds the whole; past it the future fails with a {@link DeadlineExceededException}
     * (a download stores nothing: downloading again is safe).
     *
     * @param conversationId the conversation whose event carries the file
     * @param attachmentId the file's id
     * @param target the file to write
     * @return completes with {@code target} once it holds the file; fails as
     *     {@link #downloadUrl} does
     * @throws NullPointerException when an argument is null
     * @throws IllegalArgumentException when {@code attachmentId} is not an attachment id
     * @throws java.io.UncheckedIOException when no file can be made in {@code target}'s
     *     directory
     */
    CompletableFuture<Path> download(String conversationId, String attachmentId, Path target);
}
