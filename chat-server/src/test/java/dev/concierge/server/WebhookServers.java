package dev.concierge.server;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;

/**
 * In-process servers on a SQLite store with webhooks set by the {@code serve} flags
 * (docs/webhooks.md): the same parsing as the command line, so the tests also cover the flags.
 */
final class WebhookServers {
    static final String ADMIN_TOKEN = "admin-token-for-webhook-tests-0123456789";

    /** Loopback and plain http allowed, backoff 100 ms, 200 ms, 400 ms, paused after 2 s and 5 failures. */
    static final List<String> TEST_FLAGS = List.of(
            "--webhook-allow",
            "loopback",
            "--webhook-allow-http",
            "--webhook-backoff",
            "100ms,200ms,400ms",
            "--webhook-pause-after",
            "2s,5");

    private WebhookServers() {}

    /** A server on {@code data} with the admin token and {@code flags}. */
    static ChatServer start(Path data, List<String> flags) {
        ChatServer.Builder builder = ChatServer.builder().port(0).dataDir(data).adminToken(ADMIN_TOKEN);
        ServeOptions.parse(flags, name -> null, InetAddress::getAllByName).configure(builder);
        return builder.start();
    }
}
