package dev.concierge.client;

import java.net.URI;
import java.time.Instant;
import java.util.Objects;

/**
 * A short-lived URL of one file: anyone holding it can fetch the file until {@code expiresAt}
 * (5 minutes after it was made, by default), with no other credential. Ask for a fresh one each
 * time the file is to be fetched or shown; do not store it.
 *
 * @param url the absolute URL of the file on the server the client is connected to
 * @param expiresAt when the URL stops working (the server answers 404 after)
 */
public record DownloadUrl(URI url, Instant expiresAt) {
    /**
     * Checks the fields.
     *
     * @param url the file's URL
     * @param expiresAt when it stops working
     * @throws NullPointerException when either is null
     */
    public DownloadUrl {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }
}
