package dev.concierge.server.testing;

import dev.concierge.server.ChatServer;
import dev.concierge.server.auth.AgentAccount;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The sites file, its secrets and a server started with it, shared by the sites and identity tests. */
public final class SitesFixture {
    /** The shop's identity secret. */
    public static final String SECRET = "s3cr3t-of-the-shop-at-least-32-characters";
    /** The club's current identity secret. */
    public static final String CLUB_SECRET = "the-club-s-new-secret-of-32-characters-or-more";
    /** The club's previous identity secret, still accepted while the club rotates. */
    public static final String CLUB_OLD_SECRET = "the-club-s-old-secret-of-32-characters-or-more";
    /** A sites file with three sites: the shop (every setting), the club (rotating its secret), the blog. */
    public static final String SITES = """
            {"sites": {
              "shop": {"title": "Shop help", "greeting": "Hi <b>there</b>", "colors": {"brand": "#0f766e"},
                       "position": "left", "language": "fr", "department": "orders",
                       "preChat": {"fields": ["name", "email"], "required": ["email"]},
                       "allowedOrigins": ["https://shop.example.com"], "identitySecret": "%s"},
              "club": {"identitySecret": "%s", "previousIdentitySecret": "%s"},
              "blog": {}
            }}""".formatted(SECRET, CLUB_SECRET, CLUB_OLD_SECRET);

    private SitesFixture() {}

    /** A server on a free port, with one agent and the sites file {@link #SITES}. */
    public static ChatServer start(Path data) {
        return ChatServer.builder()
                .port(0)
                .dataDir(data)
                .agents(List.of(AgentAccount.withPassword("a1", "Agent One", "one", "pw-one", 1000)))
                .departments(List.of("billing"))
                .maxChatsPerAgent(20)
                .sitesFile(write(SITES), name -> null)
                .start();
    }

    /** Writes {@code json} to a new temporary file; its path. */
    public static Path write(String json) {
        try {
            Path file = Files.createTempFile("concierge-sites", ".json");
            Files.writeString(file, json);
            return file;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
