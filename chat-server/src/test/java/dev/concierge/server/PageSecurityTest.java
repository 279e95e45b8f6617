package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The console and the demo page carry a Content-Security-Policy and refuse framing. */
final class PageSecurityTest {
    private static ChatServer server;

    @BeforeAll
    static void start() {
        server = ChatServer.builder().port(0).start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void console_hasAStrictPolicy_andCannotBeFramed() throws Exception {
        HttpResponse<String> console = get("/console/");
        assertThat(console.statusCode()).isEqualTo(200);
        String csp = console.headers().firstValue("Content-Security-Policy").orElseThrow();
        assertThat(csp)
                .contains(
                        "script-src 'self'",
                        "style-src 'self';",
                        "frame-ancestors 'none'",
                        "object-src",
                        "base-uri 'none'")
                .doesNotContain("unsafe-inline", "unsafe-eval");
        assertThat(console.headers().firstValue("X-Frame-Options")).hasValue("DENY");
        assertThat(console.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
        assertThat(console.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    }

    @Test
    void demoPage_allowsOnlyItsOwnScripts_andInlineStylesForTheWidget() throws Exception {
        HttpResponse<String> demo = get("/demo/");
        assertThat(demo.statusCode()).isEqualTo(200);
        String csp = demo.headers().firstValue("Content-Security-Policy").orElseThrow();
        assertThat(csp)
                .contains("script-src 'self';", "style-src 'self' 'unsafe-inline'", "frame-ancestors 'none'")
                .doesNotContain("unsafe-eval");
        assertThat(demo.headers().firstValue("X-Frame-Options")).hasValue("DENY");
        assertThat(demo.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
    }
}
