package dev.concierge.server.webhook;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Sends one webhook request (docs/integrations.md, "Delivery"): a POST of {@code body} to
 * {@code url} with {@code headers}, to an address the target policy allows, following no
 * redirect. The future always completes normally: a failure is a {@link Response} with status 0
 * and an {@code error}.
 */
public interface WebhookTransport {
    /** A request: the endpoint's URL, the headers to send besides Host and Content-Length, the body. */
    record Request(URI url, Map<String, String> headers, byte[] body) {}

    /**
     * What came back: {@code status} the HTTP status (0 if none), {@code address} the IP:port
     * connected to (null if none), {@code error} why it failed ({@code "timeout"}, {@code
     * "refused: 10.0.0.7 is private"}, {@code "redirect not followed (302 to …)"}…; null for a
     * 2xx), {@code body} the first 1 KiB of the response body, {@code retryAfter} the
     * {@code Retry-After} of a 429 or 503, {@code durationMillis} from start to end.
     */
    record Response(
            int status, String address, String error, String body, Optional<Duration> retryAfter, long durationMillis) {
        /** Whether the receiver took it (a 2xx). */
        public boolean delivered() {
            return status >= 200 && status < 300;
        }
    }

    /** Sends {@code request}; never blocks, never completes exceptionally. */
    CompletableFuture<Response> send(Request request);

    /** Stops sending; requests in flight complete with an error. */
    void close();
}
