package dev.concierge.server;

import dev.concierge.server.testing.WebhookApi;
import dev.concierge.server.testing.WebhookReceiver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Per test: a {@link WebhookReceiver}, an in-process server on a fresh SQLite data directory with
 * {@link WebhookServers#TEST_FLAGS}, and the admin's {@link WebhookApi} to it; all closed after.
 */
final class WebhookFixture implements BeforeEachCallback, AfterEachCallback {
    Path data;
    WebhookReceiver receiver;
    ChatServer server;
    WebhookApi api;

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        data = Files.createTempDirectory("concierge-webhooks");
        receiver = WebhookReceiver.start();
        restart(WebhookServers.TEST_FLAGS);
    }

    /** Stops the server, if one runs, and starts another on the same data with {@code flags}. */
    void restart(List<String> flags) {
        if (server != null) {
            server.close();
        }
        server = WebhookServers.start(data, flags);
        api = new WebhookApi(server.baseUri(), WebhookServers.ADMIN_TOKEN);
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        server.close();
        receiver.close();
        try (Stream<Path> files = Files.walk(data)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
