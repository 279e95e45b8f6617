package dev.concierge.server.http;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Files under {@code static/} on the classpath: the widget, the console and the demo page.
 * A file is read once and kept in memory; only files that exist are kept, so the cache holds at
 * most the jar's own files however many unknown paths are asked for (a cached miss cost about
 * 16.8 KB of heap each). Paths with {@code ..} or backslashes are refused.
 * {@code /concierge.js} is the built, minified widget ({@code static/bundle/concierge.js}, from
 * {@code widget-js/dist}) when the jar has it, else the plain loader of {@code widget-js/src};
 * {@code /concierge-files.js}, the file upload and display code the widget loads on first use,
 * likewise comes from {@code static/bundle/}.
 */
public final class StaticFiles {
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "mjs", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "json", "application/json",
            "svg", "image/svg+xml",
            "png", "image/png",
            "ico", "image/x-icon",
            "txt", "text/plain; charset=utf-8");

    private final Map<String, byte[]> cache = new ConcurrentHashMap<>();

    /** A file's bytes and content type, for a request path such as {@code /console/}. */
    Optional<StaticFile> find(String path) {
        if (path.contains("..") || path.contains("\\") || path.contains("//") || !path.startsWith("/")) {
            return Optional.empty();
        }
        String resource = path.endsWith("/") ? path + "index.html" : path;
        Optional<byte[]> bytes = resource.equals("/concierge.js") || resource.equals("/concierge-files.js")
                ? cached("/bundle" + resource).or(() -> cached(resource))
                : cached(resource);
        String ext = resource.substring(resource.lastIndexOf('.') + 1);
        return bytes.map(b -> new StaticFile(b, TYPES.getOrDefault(ext, "application/octet-stream")));
    }

    /** Whether {@code path + "/"} names a directory with an index, for redirects. */
    boolean isDirectory(String path) {
        return !path.endsWith("/") && find(path + "/").isPresent();
    }

    /** The resource from the cache, or read and cached if it exists; a miss is never cached. */
    private Optional<byte[]> cached(String resource) {
        byte[] hit = cache.get(resource);
        if (hit != null) {
            return Optional.of(hit);
        }
        Optional<byte[]> loaded = load(resource);
        loaded.ifPresent(b -> cache.putIfAbsent(resource, b));
        return loaded;
    }

    /** Files held in memory, for tests. */
    int cached() {
        return cache.size();
    }

    private static Optional<byte[]> load(String resource) {
        try (InputStream in = StaticFiles.class.getResourceAsStream("/static" + resource)) {
            return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** A file to serve. */
    record StaticFile(byte[] bytes, String contentType) {}
}
