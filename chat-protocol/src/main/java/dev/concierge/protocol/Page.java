package dev.concierge.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.concierge.protocol.wire.Checks;

/**
 * Where the visitor is: page URL, title and referrer, each one line (no control character),
 * the URLs at most {@link #MAX_URL} characters, the title at most {@link #MAX_TITLE}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Page(String url, String title, String referrer) {
    private static int length(String s) {
        return s == null ? 0 : s.length();
    }

    /** Longest page URL or referrer, in characters. */
    public static final int MAX_URL = 2048;
    /** Longest page title, in characters. */
    public static final int MAX_TITLE = 300;

    /**
     * Checks each field is one line within its limit ({@link #MAX_URL}, {@link #MAX_TITLE}).
     *
     * @param url the page's URL
     * @param title the page's title
     * @param referrer the page the visitor came from
     */
    public Page {
        Checks.line("context.page.url", url, MAX_URL);
        Checks.line("context.page.title", title, MAX_TITLE);
        Checks.line("context.page.referrer", referrer, MAX_URL);
    }

    int chars() {
        return length(url) + length(title) + length(referrer);
    }
}
