package dev.concierge.client;

/**
 * Why a request or the connect of a {@link VisitorClient} or {@link AgentClient} failed: the
 * module's one unchecked base exception. Futures fail with one of its subclasses, each a
 * different thing to do about it:
 * <ul>
 *   <li>{@link ServerRefusedException}: the server answered with an error ({@code error} frame,
 *       close code 1008, the agent login's HTTP 401 or 429, a file's refused upload or download
 *       URL); {@link ServerRefusedException#code()} says why;</li>
 *   <li>{@link ConnectFailedException}: the server could not be reached, greeted or logged in to
 *       (on the first connect, within the connect timeout); {@link #getCause()} is the last
 *       attempt's root cause;</li>
 *   <li>{@link ConnectionLostException}: the socket was lost and the client does not reconnect
 *       ({@code reconnect(false)}) or gave up ({@code giveUpAfter});</li>
 *   <li>{@link ClientClosedException}: {@code close()} was called before the answer came, or
 *       before the request was made;</li>
 *   <li>{@link DeadlineExceededException}: no answer within the request's deadline
 *       ({@code requestTimeout}, {@link RequestOptions#withDeadline(java.time.Duration)});
 *       {@link DeadlineExceededException#withdrawn()} says whether the server may have it;</li>
 *   <li>{@link NoConversationException}: the request needs a conversation and the visitor has none.</li>
 * </ul>
 * {@link #getCause()} is never a {@link java.util.concurrent.CompletionException} or
 * {@link java.util.concurrent.ExecutionException} wrapper: it is the root cause (a
 * {@link java.net.ConnectException}, an {@link java.net.UnknownHostException}, ...) or null.
 * ({@code join()} and {@code get()} wrap the exception a future failed with in those, as for any
 * {@link java.util.concurrent.CompletableFuture}.)
 * Bad arguments are not reported with these: they throw {@link IllegalArgumentException} or
 * {@link NullPointerException} at once, naming the parameter.
 */
public abstract sealed class ConciergeClientException extends RuntimeException
        permits ServerRefusedException,
                ConnectFailedException,
                ConnectionLostException,
                ClientClosedException,
                DeadlineExceededException,
                NoConversationException {
    private static final long serialVersionUID = 1L;

    ConciergeClientException(String message, Throwable cause) {
        super(message, cause);
    }
}
