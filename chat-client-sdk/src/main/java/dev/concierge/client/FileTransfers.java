package dev.concierge.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.protocol.Attachment;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ServerMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A client's files (docs/attachments.md): sending one (the upload over HTTP to the server the
 * client is connected to, then the {@code message} frame naming it, through the outbox like any
 * message), and fetching one (a fresh download URL, the bytes into a file). The HTTP answers
 * become the SDK's exceptions: a refusal with an error code a {@link ServerRefusedException} (with
 * {@code Retry-After} as its {@code retryAfter}), a server that cannot be reached or answers
 * without a code a {@link ConnectFailedException}, the deadline passed a
 * {@link DeadlineExceededException}. Futures complete on the client's executor.
 */
final class FileTransfers {
    private final Connection connection;
    private final Settings settings;
    private final ObjectMapper json;
    /** The {@code Authorization} of the client's uploads and URL requests; null while it has none. */
    private final Supplier<String> authorization;

    FileTransfers(Connection connection, Settings settings, Supplier<String> authorization) {
        this.connection = connection;
        this.settings = settings;
        this.json = connection.codec().mapper();
        this.authorization = authorization;
    }

    /**
     * The steps of one operation: the future the caller got, and the step under way, which is
     * cancelled (a request withdrawn, an HTTP exchange aborted) when the caller gives up on it.
     */
    private static final class Steps<R> {
        final CompletableFuture<R> result = new CompletableFuture<>();
        private volatile Future<?> current;

        Steps() {
            result.whenComplete((value, error) -> {
                Future<?> step = current;
                if (error != null && step != null) {
                    step.cancel(true);
                }
            });
        }

        /** {@code step} is now under way; cancelled at once when the caller already gave up. */
        <T extends Future<?>> T follow(T step) {
            current = step;
            if (result.isCompletedExceptionally()) {
                step.cancel(true);
            }
            return step;
        }
    }

    // ---- sending

    /**
     * Sends {@code file} as a message with the request id of {@code options} (else a fresh one):
     * {@code conversation} gives the conversation it goes to (given the time left), the file is
     * uploaded there, then the message carrying it goes through the outbox. The deadline of
     * {@code options} (else the request timeout) bounds it all, from now.
     *
     * @throws IllegalArgumentException when a request with the options' id is waiting
     * @throws IllegalStateException when {@code file} is an input stream sent before
     */
    CompletableFuture<SentFile> send(
            FileUpload file, RequestOptions options, Function<Duration, CompletableFuture<String>> conversation) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(options, "options");
        String requestId = Connection.idFor(options);
        connection.checkFree(requestId);
        Duration deadline = connection.deadlineOf(options);
        long start = settings.ticker().getAsLong();
        HttpRequest.BodyPublisher body = file.body();
        Steps<SentFile> steps = new Steps<>();
        steps.result.whenComplete((sent, error) -> file.release());
        CompletableFuture<String> where = steps.follow(conversation.apply(deadline));
        where.whenComplete((conversationId, failed) -> {
            if (failed != null) {
                fail(steps, failed, requestId, deadline, false);
                return;
            }
            Duration left = left(start, deadline);
            if (left == null) {
                fail(steps, new HttpTimeoutException("deadline"), requestId, deadline, false);
                return;
            }
            upload(steps, conversationId, file, body, left).whenComplete((attachment, error) -> {
                if (error != null) {
                    fail(steps, error, requestId, deadline, false);
                } else {
                    carry(steps, conversationId, file, attachment, requestId, start, deadline);
                }
            });
        });
        return steps.result;
    }

    /** The message that carries the uploaded {@code attachment}, through the outbox. */
    private void carry(
            Steps<SentFile> steps,
            String conversationId,
            FileUpload file,
            Attachment attachment,
            String requestId,
            long start,
            Duration deadline) {
        if (steps.result.isDone()) {
            return; // the caller gave up: the upload stays unsent (the server deletes it in a day)
        }
        Duration left = left(start, deadline);
        if (left == null) {
            fail(steps, new HttpTimeoutException("deadline"), requestId, deadline, false);
            return;
        }
        CompletableFuture<ServerMessage.Ack> stored;
        try {
            ClientMessage.Send message = new ClientMessage.Send(
                    requestId, conversationId, file.text().orElse(""), null, attachment.id());
            stored = steps.follow(connection.request(
                    message,
                    ServerMessage.Ack.class,
                    RequestOptions.defaults().withRequestId(requestId).withDeadline(left)));
        } catch (RuntimeException e) {
            steps.result.completeExceptionally(e); // the id was taken meanwhile
            return;
        }
        stored.whenComplete((ack, error) -> {
            if (error != null) {
                fail(steps, error, requestId, deadline, true);
            } else {
                steps.result.complete(new SentFile(Results.stored(ack), attachment));
            }
        });
    }

    /** {@code POST /api/conversations/{id}/attachments?name=}: the stored file's description. */
    private CompletableFuture<Attachment> upload(
            Steps<?> steps, String conversationId, FileUpload file, HttpRequest.BodyPublisher body, Duration timeout) {
        URI uri = Settings.httpUri(
                connection.server(),
                "/api/conversations/" + encode(conversationId) + "/attachments?name=" + encode(file.name()));
        String credential = authorization.get();
        if (credential == null) {
            return CompletableFuture.failedFuture(
                    new ServerRefusedException(ErrorCode.UNAUTHORIZED, "The client is not signed in: cannot upload."));
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Authorization", credential)
                .header("Content-Type", "application/octet-stream")
                .header("Accept", "application/json")
                .POST(body);
        // No "Expect: 100-continue", though the server answers it: with it, the JDK 17 client's
        // upload never completed when the answer was a refusal (nothing within 30 s). A refused
        // body is written on instead; the server reads and drops it (its lingering close, up to
        // 5 s) and the client then reads the answer.
        return steps.follow(settings.httpClient().sendAsync(request.build(), HttpResponse.BodyHandlers.ofString()))
                .handleAsync(
                        (response, error) -> {
                            if (error != null) {
                                throw failure(uri, error);
                            }
                            if (response.statusCode() == 201) {
                                Attachment attachment = attachment(response.body());
                                if (attachment != null) {
                                    return attachment;
                                }
                            }
                            throw refusal(uri, "upload to", response.statusCode(), response.body(), response);
                        },
                        connection.executor());
    }

    private Attachment attachment(String body) {
        try {
            JsonNode node = json.readTree(body).get("attachment");
            return node == null ? null : json.treeToValue(node, Attachment.class);
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    // ---- fetching

    /**
     * {@code GET /api/conversations/{id}/attachments/{aid}}: a fresh download URL, within the
     * request timeout.
     */
    CompletableFuture<DownloadUrl> url(String conversationId, String attachmentId) {
        check(conversationId, attachmentId);
        Steps<DownloadUrl> steps = new Steps<>();
        Duration deadline = settings.requestTimeout();
        url(steps, conversationId, attachmentId, deadline).whenComplete((url, error) -> {
            if (error != null) {
                steps.result.completeExceptionally(unwrap(error, "download URL request", deadline));
            } else {
                steps.result.complete(url);
            }
        });
        return steps.result;
    }

    private CompletableFuture<DownloadUrl> url(
            Steps<?> steps, String conversationId, String attachmentId, Duration timeout) {
        URI server = connection.server();
        URI uri = Settings.httpUri(
                server, "/api/conversations/" + encode(conversationId) + "/attachments/" + encode(attachmentId));
        String credential = authorization.get();
        if (credential == null) {
            return CompletableFuture.failedFuture(new ServerRefusedException(
                    ErrorCode.UNAUTHORIZED, "The client is not signed in: cannot ask for a download URL."));
        }
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Authorization", credential)
                .header("Accept", "application/json")
                .GET()
                .build();
        return steps.follow(settings.httpClient().sendAsync(request, HttpResponse.BodyHandlers.ofString()))
                .handleAsync(
                        (response, error) -> {
                            if (error != null) {
                                throw failure(uri, error);
                            }
                            if (response.statusCode() == 200) {
                                DownloadUrl url = downloadUrl(server, response.body());
                                if (url != null) {
                                    return url;
                                }
                            }
                            throw refusal(uri, "ask", response.statusCode(), response.body(), response);
                        },
                        connection.executor());
    }

    private DownloadUrl downloadUrl(URI server, String body) {
        try {
            JsonNode node = json.readTree(body);
            String url = node.path("url").asText("");
            if (url.isEmpty() || !node.path("expiresAt").isTextual()) {
                return null;
            }
            // The server names the file by its path under the server; the SDK's other paths
            // (/ws/..., /api/...) are under the base URI too.
            URI absolute = url.startsWith("/") ? Settings.httpUri(server, url) : URI.create(url);
            return new DownloadUrl(absolute, Instant.parse(node.get("expiresAt").asText()));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * A fresh URL, then the file's bytes into {@code target} (through a temporary file beside it,
     * moved into place once whole: {@code target} is the whole file or as it was), all within the
     * request timeout.
     *
     * @throws UncheckedIOException when no file can be made in {@code target}'s directory
     */
    CompletableFuture<Path> download(String conversationId, String attachmentId, Path target) {
        check(conversationId, attachmentId);
        Objects.requireNonNull(target, "target");
        Path directory = target.toAbsolutePath().getParent();
        Path temp;
        try {
            temp = Files.createTempFile(directory, ".concierge-", ".part");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write a file in " + directory, e);
        }
        Duration deadline = settings.requestTimeout();
        long start = settings.ticker().getAsLong();
        Steps<Path> steps = new Steps<>();
        Future<?> timer = connection.after(
                deadline,
                () -> steps.result.completeExceptionally(new DeadlineExceededException(
                        "The download of " + attachmentId + " did not finish within " + deadline.toMillis() + " ms",
                        deadline)));
        steps.result.whenComplete((path, error) -> {
            timer.cancel(false);
            if (error != null) {
                deleteQuietly(temp);
            }
        });
        url(steps, conversationId, attachmentId, deadline).whenComplete((url, error) -> {
            if (error != null) {
                steps.result.completeExceptionally(unwrap(error, "download URL request", deadline));
                return;
            }
            Duration left = left(start, deadline);
            if (left == null || steps.result.isDone()) {
                return; // the timer or the caller ended it
            }
            fetch(steps, url, temp, target, left);
        });
        return steps.result;
    }

    private void fetch(Steps<Path> steps, DownloadUrl url, Path temp, Path target, Duration timeout) {
        HttpRequest request =
                HttpRequest.newBuilder(url.url()).timeout(timeout).GET().build();
        HttpResponse.BodyHandler<Path> toFile = info -> info.statusCode() == 200
                ? HttpResponse.BodySubscribers.ofFile(temp)
                : HttpResponse.BodySubscribers.replacing(null);
        // The URL is a credential for a few minutes: messages name the file's path, not its token.
        URI named = url.url().resolve(".");
        steps.follow(settings.httpClient().sendAsync(request, toFile))
                .whenCompleteAsync(
                        (response, error) -> {
                            if (error != null) {
                                steps.result.completeExceptionally(
                                        unwrap(failure(named, error), "download of " + named, timeout));
                            } else if (response.statusCode() != 200) {
                                steps.result.completeExceptionally(
                                        response.statusCode() == 404
                                                ? new ServerRefusedException(
                                                        ErrorCode.NOT_FOUND,
                                                        "The file's download URL answered 404 (expired, or the file"
                                                                + " was deleted)")
                                                : new ConnectFailedException(
                                                        named,
                                                        "Cannot download " + named + ": HTTP " + response.statusCode(),
                                                        response.statusCode() >= 500));
                            } else {
                                try {
                                    move(temp, target);
                                    steps.result.complete(target);
                                } catch (IOException e) {
                                    steps.result.completeExceptionally(new UncheckedIOException(
                                            "Cannot move the downloaded file to " + target, e));
                                }
                            }
                        },
                        connection.executor());
    }

    private static void move(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // A leftover .part file beside the target; nothing else to do.
        }
    }

    // ---- what failed

    /**
     * An answer other than the one asked for: a {@link ServerRefusedException} with the error
     * code of a JSON body ({@code {"error":"too_large","message":"..."}}, {@code Retry-After}
     * as its {@code retryAfter}), else a {@link ConnectFailedException} naming the status.
     */
    private ConciergeClientException refusal(URI uri, String what, int status, String body, HttpResponse<?> response) {
        try {
            JsonNode node = json.readTree(body);
            if (node != null && node.path("error").isTextual()) {
                String code = node.get("error").asText();
                String message = node.path("message").isTextual()
                        ? node.get("message").asText()
                        : "The server answered HTTP " + status + " " + code + " to the " + what + " " + uri;
                Long retryAfter = response.headers()
                        .firstValue("Retry-After")
                        .flatMap(FileTransfers::seconds)
                        .orElse(null);
                return new ServerRefusedException(code, message, retryAfter);
            }
        } catch (IOException | RuntimeException e) {
            // Not the server's JSON (a proxy's page?): reported with the status below.
        }
        return new ConnectFailedException(
                uri, "Cannot " + what + " " + uri + ": HTTP " + status + " without an error code", status >= 500);
    }

    private static java.util.Optional<Long> seconds(String value) {
        try {
            return java.util.Optional.of(Long.parseLong(value.trim()));
        } catch (NumberFormatException e) {
            return java.util.Optional.empty(); // an HTTP date: not sent by Concierge
        }
    }

    /**
     * An exchange that failed on the way: the server could not be reached (a
     * {@link ConnectFailedException}), or its timeout passed (the {@link HttpTimeoutException},
     * which the caller makes the operation's {@link DeadlineExceededException}).
     */
    private static RuntimeException failure(URI uri, Throwable error) {
        Throwable cause = ConnectFailure.root(error, uri);
        if (cause instanceof ConciergeClientException known) {
            return known;
        }
        if (cause instanceof CancellationException cancelled) {
            return cancelled;
        }
        if (cause instanceof HttpTimeoutException) {
            return new CompletionException(cause);
        }
        return new ConnectFailedException(uri, cause);
    }

    /**
     * Fails {@code steps} of the file message {@code requestId} with what {@code error} comes to.
     * A deadline that passed before the message ({@code ofMessage} false) leaves it unsent.
     */
    private static void fail(Steps<?> steps, Throwable error, String requestId, Duration deadline, boolean ofMessage) {
        Throwable cause = ConnectFailure.root(error);
        if (cause instanceof DeadlineExceededException late) {
            // The step's own deadline was what was left of the whole: report the whole.
            cause = new DeadlineExceededException(requestId, deadline, !ofMessage || late.withdrawn());
        } else if (cause instanceof HttpTimeoutException) {
            cause = new DeadlineExceededException(requestId, deadline, true);
        }
        steps.result.completeExceptionally(cause);
    }

    /** {@code error} unwrapped; an HTTP timeout as the deadline {@code what} missed. */
    private static Throwable unwrap(Throwable error, String what, Duration deadline) {
        Throwable cause = ConnectFailure.root(error);
        if (cause instanceof HttpTimeoutException) {
            return new DeadlineExceededException(
                    "No answer to the " + what + " within " + deadline.toMillis() + " ms", deadline);
        }
        return cause;
    }

    /** The time left of {@code deadline} from {@code start}; null when none is. */
    private Duration left(long start, Duration deadline) {
        Duration left = deadline.minusNanos(settings.ticker().getAsLong() - start);
        return left.toMillis() < 1 ? null : left;
    }

    private static void check(String conversationId, String attachmentId) {
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(attachmentId, "attachmentId");
        if (conversationId.isBlank() || conversationId.length() > 64) {
            throw new IllegalArgumentException("conversationId must be 1 to 64 characters");
        }
        if (!Attachment.isId(attachmentId)) {
            throw new IllegalArgumentException("attachmentId must be a_ and 26 base32 characters, was " + attachmentId);
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
