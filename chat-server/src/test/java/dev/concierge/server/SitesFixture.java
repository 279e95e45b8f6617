package dev.concierge.server;

import dev.concierge.server.auth.AgentAccount;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The sites file, its secrets and a server started with it, shared by the sites and identity tests. */
final class SitesFixture {
    static final String SECRET = "s3cr3t-of-the-shop-at-least-32-characters";
    static final String CLUB_SECRET = "the-club-s-new-secret-of-32-characters-or-more";
    static final String CLUB_OLD_SECRET = "the-club-s-old-secret-of-32-characters-or-more";
    static final String SITES = """
            {"sites": {
              "shop": {"title": "Shop help", "greeting": "Hi <b>there</b>", "colors": {"brand": "#0f766e"},
                       "position": "left", "language": "fr", "department": "orders",
                       "preChat": {"fields": ["name", "email"], "required": ["email"]},
                       "allowedOrigins": ["https://shop.example.com"], "identitySecret": "%s"},
              "club": {"identitySecret": "%s", "previousIdentitySecret": "%s"},
              "blog": {}
            }}""".formatted(SECRET, CLUB_SECRET, CLUB_OLD_SECRET);

    private SitesFixture() {}

    static ChatServer start(Path data) {
        return ChatServer.builder()
                .port(0)
                .dataDir(data)
                .agents(List.of(AgentAccount.withPassword("a1", "Agent One", "one", "pw-one", 1000)))
                .departments(List.of("billing"))
                .maxChatsPerAgent(20)
                .sitesFile(write(SITES), name -> null)
                .start();
    }

    static Path write(String json) {
        try {
            Path file = Files.createTempFile("concierge-sites", ".json");
            Files.writeString(file, json);
            return file;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
