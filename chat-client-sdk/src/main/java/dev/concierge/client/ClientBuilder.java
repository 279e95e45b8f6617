package dev.concierge.client;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * The {@link ConnectionOptions} of both builders, each checked as it is set (by
 * {@link Settings.Draft}).
 *
 * @param <B> the public builder type the setters return
 */
abstract class ClientBuilder<B extends ConnectionOptions<B>> implements ConnectionOptions<B> {
    /** The connection's settings as set so far. */
    final Settings.Draft settings = new Settings.Draft();

    /** This builder, as its public type. */
    abstract B self();

    @Override
    public B serverUri(URI uri) {
        settings.serverUri(uri);
        return self();
    }

    @Override
    public B serverUris(List<URI> uris) {
        settings.serverUris(uris);
        return self();
    }

    @Override
    public B reconnect(boolean enabled) {
        settings.reconnect(enabled);
        return self();
    }

    @Override
    public B backoff(Duration initial, Duration max) {
        settings.backoff(initial, max);
        return self();
    }

    @Override
    public B random(RandomGenerator random) {
        settings.random(random);
        return self();
    }

    @Override
    public B connectTimeout(Duration timeout) {
        settings.connectTimeout(timeout);
        return self();
    }

    @Override
    public B requestTimeout(Duration timeout) {
        settings.requestTimeout(timeout);
        return self();
    }

    @Override
    public B giveUpAfter(Duration bound) {
        settings.giveUpAfter(bound);
        return self();
    }

    @Override
    public B executor(Executor executor) {
        settings.executor(executor);
        return self();
    }

    @Override
    public B httpClient(HttpClient httpClient) {
        settings.httpClient(httpClient);
        return self();
    }

    /** The source of nanosecond readings for the time bounds; tests move it instead of waiting. */
    B ticker(LongSupplier ticker) {
        settings.ticker(ticker);
        return self();
    }
}
