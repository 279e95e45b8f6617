package dev.concierge.server.http;

import io.netty.handler.codec.http.HttpHeaders;

/**
 * Security headers of the pages the server serves. The console loads only its own scripts and
 * styles, so its policy allows nothing inline. The demo page carries the widget, whose styles
 * are a {@code <style>} element in its shadow root (and the page has a {@code style}
 * attribute), so the demo policy needs {@code style-src 'unsafe-inline'}; scripts stay
 * same-origin only everywhere. No page may be framed.
 */
final class PageSecurity {
    static final String CONSOLE_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
    static final String PAGE_POLICY = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            + "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private PageSecurity() {}

    /** Sets the policy headers for the file at {@code path}. */
    static void apply(String path, HttpHeaders headers) {
        boolean page = path.endsWith("/") || path.endsWith(".html");
        if (page) {
            headers.set("Content-Security-Policy", path.startsWith("/console/") ? CONSOLE_POLICY : PAGE_POLICY);
            headers.set("X-Frame-Options", "DENY");
        }
        headers.set("Referrer-Policy", "no-referrer");
    }
}
