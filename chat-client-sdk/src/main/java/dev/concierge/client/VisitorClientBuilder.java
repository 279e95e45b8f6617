package dev.concierge.client;

import dev.concierge.protocol.VisitorContext;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/** The {@link VisitorClient.Builder}: checks each value as it is set. */
final class VisitorClientBuilder extends ClientBuilder<VisitorClient.Builder> implements VisitorClient.Builder {
    private String site = "demo";
    private String visitorToken;
    private VisitorContext context;
    private VisitorListener listener = new VisitorListener() {};

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
    public CompletableFuture<VisitorClient> connect() {
        return new DefaultVisitorClient(settings.freeze(), site, visitorToken, context, listener).start();
    }

    @Override
    VisitorClient.Builder self() {
        return this;
    }
}
