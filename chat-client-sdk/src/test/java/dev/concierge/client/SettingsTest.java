package dev.concierge.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

final class SettingsTest {

    private static URI settings(String base) {
        Settings.Draft draft = new Settings.Draft();
        draft.serverUri(URI.create(base));
        return draft.freeze().serverUris().get(0);
    }

    @Test
    void socketUri_swapsTheScheme_andKeepsHostPortAndPath() {
        assertThat(Settings.socketUri(settings("http://127.0.0.1:8080"), "/ws/visitor"))
                .isEqualTo(URI.create("ws://127.0.0.1:8080/ws/visitor"));
        assertThat(Settings.socketUri(settings("https://chat.example.com/"), "/ws/agent"))
                .isEqualTo(URI.create("wss://chat.example.com/ws/agent"));
        assertThat(Settings.socketUri(settings("https://example.com/support/"), "/ws/visitor"))
                .isEqualTo(URI.create("wss://example.com/support/ws/visitor"));
    }

    @Test
    void httpUri_isHttpEvenFromAWebSocketBase() {
        assertThat(Settings.httpUri(settings("ws://localhost:9000"), "/api/agent/login"))
                .isEqualTo(URI.create("http://localhost:9000/api/agent/login"));
    }
}
