package dev.concierge.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The server's merges of new events during a measurement window, from its {@code /metrics}
 * ({@code concierge_store_merge_seconds}, {@code concierge_store_merged_events_total}) read when the
 * window opens and when it closes. While a merge runs the store's writer commits nothing else,
 * so their time is a pause for every message in flight.
 */
final class MergeMeter {
    /**
     * What the merges did in one window.
     *
     * @param merges merges that ended in the window
     * @param events events they moved
     * @param seconds their time in all
     * @param windowSeconds the window's length
     */
    record Merges(long merges, long events, double seconds, double windowSeconds) {
        /** A server without these metrics (an older build), or a failed scrape. */
        static final Merges UNKNOWN = new Merges(-1, -1, -1, 0);

        /** The share of the window the writer spent merging, 0 to 1. */
        double share() {
            return windowSeconds <= 0 || seconds < 0 ? -1 : seconds / windowSeconds;
        }
    }

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final URI metrics;
    private double[] start;
    private long startNanos;

    MergeMeter(int port) {
        this.metrics = URI.create("http://127.0.0.1:" + port + "/metrics");
    }

    void start() {
        start = scrape();
        startNanos = System.nanoTime();
    }

    Merges stop() {
        double[] end = scrape();
        double window = (System.nanoTime() - startNanos) / 1e9;
        if (start == null || end == null) {
            return Merges.UNKNOWN;
        }
        return new Merges(Math.round(end[0] - start[0]), Math.round(end[2] - start[2]), end[1] - start[1], window);
    }

    /** Merge count, seconds and events, or null when the server does not publish them. */
    private double[] scrape() {
        try {
            HttpResponse<String> r = HTTP.send(
                    HttpRequest.newBuilder(metrics)
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? parse(r.body()) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** The three figures from a Prometheus text body, or null if any is missing. */
    static double[] parse(String body) {
        double[] v = {Double.NaN, Double.NaN, Double.NaN};
        for (String line : body.split("\n")) {
            if (line.startsWith("concierge_store_merge_seconds_count ")) {
                v[0] = value(line);
            } else if (line.startsWith("concierge_store_merge_seconds_sum ")) {
                v[1] = value(line);
            } else if (line.startsWith("concierge_store_merged_events_total ")) {
                v[2] = value(line);
            }
        }
        return Double.isNaN(v[0]) || Double.isNaN(v[1]) || Double.isNaN(v[2]) ? null : v;
    }

    private static double value(String line) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }
}
