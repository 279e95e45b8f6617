package dev.concierge.client;

import dev.concierge.protocol.VisitorContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/** The {@link VisitorClient.Builder}: checks each value as it is set. */
final class VisitorClientBuilder implements VisitorClient.Builder {
    private final Settings.Draft settings = new Settings.Draft();
    private String site = "demo";
    private String visitorToken;
    private VisitorContext context;
    private VisitorListener listener = new VisitorListener() {};

    @Override
    public VisitorClient.Builder serverUri(URI uri) {
        settings.serverUri(uri);
        return this;
    }

    @Override
    public VisitorClient.Builder serverUris(List<URI> uris) {
        settings.serverUris(uris);
        return this;
    }

    @Override
    public VisitorClient.Builder site(String site) {
        Objects.requireNonNull(site, "site");
        if (site.isBlank() || site.length() > 64) {
            throw new IllegalArgumentException("site must be 1 to 64 characters, was '" + site + "'");
        }
        this.site = site;
        return this;
    }

    @Override
    public VisitorClient.Builder visitorToken(String token) {
        Objects.requireNonNull(token, "visitorToken");
        if (token.isBlank() || token.length() > 128) {
            throw new IllegalArgumentException("visitorToken must be 1 to 128 characters");
        }
        this.visitorToken = token;
        return this;
    }

    @Override
    public VisitorClient.Builder context(VisitorContext context) {
        this.context = Objects.requireNonNull(context, "context");
        return this;
    }

    @Override
    public VisitorClient.Builder listener(VisitorListener listener) {
        this.listener = Objects.requireNonNull(listener, "listener");
        return this;
    }

    @Override
    public VisitorClient.Builder reconnect(boolean enabled) {
        settings.reconnect(enabled);
        return this;
    }

    @Override
    public VisitorClient.Builder backoff(Duration initial, Duration max) {
        settings.backoff(initial, max);
        return this;
    }

    @Override
    public VisitorClient.Builder random(RandomGenerator random) {
        settings.random(random);
        return this;
    }

    @Override
    public VisitorClient.Builder connectTimeout(Duration timeout) {
        settings.connectTimeout(timeout);
        return this;
    }

    @Override
    public VisitorClient.Builder requestTimeout(Duration timeout) {
        settings.requestTimeout(timeout);
        return this;
    }

    @Override
    public VisitorClient.Builder giveUpAfter(Duration bound) {
        settings.giveUpAfter(bound);
        return this;
    }

    @Override
    public VisitorClient.Builder executor(Executor executor) {
        settings.executor(executor);
        return this;
    }

    /** The source of nanosecond readings for the time bounds; tests move it instead of waiting. */
    VisitorClient.Builder ticker(LongSupplier ticker) {
        settings.ticker(ticker);
        return this;
    }

    @Override
    public VisitorClient.Builder httpClient(HttpClient httpClient) {
        settings.httpClient(httpClient);
        return this;
    }

    @Override
    public CompletableFuture<VisitorClient> connect() {
        return new DefaultVisitorClient(settings.freeze(), site, visitorToken, context, listener).start();
    }
}
