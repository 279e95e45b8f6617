package dev.concierge.server.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.server.auth.Site;
import dev.concierge.server.auth.SitesFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The sites file's {@code email} object: read, checked, errors naming file, site and field. */
final class SiteEmailTest {
    @Test
    void theEmailObject_isRead_withTheTemplatesFolderResolvedAgainstTheSitesFile() throws Exception {
        Path dir = Files.createTempDirectory("concierge-sites");
        Files.createDirectories(dir.resolve("mail/shop"));
        Path file = write(
                dir,
                "{\"sites\":{\"shop\":{\"email\":{\"from\":\"Northwind help <help@northwind.example>\","
                        + "\"replyDomain\":\"reply.northwind.example\",\"templates\":\"mail/shop\"}},"
                        + "\"blog\":{}}}");
        var sites = SitesFile.read(file, n -> null);
        Site.Email email = sites.get("shop").email().orElseThrow();
        assertThat(email.from()).contains("Northwind help <help@northwind.example>");
        assertThat(email.replyDomain()).contains("reply.northwind.example");
        assertThat(email.templates()).contains(dir.resolve("mail/shop").toAbsolutePath());
        assertThat(sites.get("blog").email()).isEmpty();
        assertThat(sites.get("shop").publicSettings()).doesNotContainKey("email");
    }

    @Test
    void badEmailSettings_areRefused_namingFileSiteAndField() throws Exception {
        Path dir = Files.createTempDirectory("concierge-sites");
        assertRefused(dir, "{\"email\":\"help@x.example\"}", "sites.x.email: must be an object");
        assertRefused(dir, "{\"email\":{\"form\":\"a@b.example\"}}", "sites.x.email.form: unknown field");
        assertRefused(dir, "{\"email\":{\"from\":\"a@b.example, c@d.example\"}}", "sites.x.email.from: one address");
        assertRefused(
                dir, "{\"email\":{\"from\":\"Help <help@x.example>\\r\\nBcc: all@x.example\"}}", "sites.x.email.from");
        assertRefused(dir, "{\"email\":{\"from\":42}}", "sites.x.email.from: must be text");
        assertRefused(
                dir, "{\"email\":{\"replyDomain\":\"reply..example\"}}", "sites.x.email.replyDomain: not a valid");
        assertRefused(dir, "{\"email\":{\"replyDomain\":\"a@b.example\"}}", "sites.x.email.replyDomain: not a valid");
        assertRefused(dir, "{\"email\":{\"templates\":\"no/such/folder\"}}", "sites.x.email.templates: not a folder");
    }

    private static void assertRefused(Path dir, String site, String message) throws Exception {
        Path file = write(dir, "{\"sites\":{\"x\":" + site + "}}");
        assertThatThrownBy(() -> SitesFile.read(file, n -> null))
                .hasMessageStartingWith(file.toString())
                .hasMessageContaining(message);
    }

    private static Path write(Path dir, String json) throws Exception {
        Path file = Files.createTempFile(dir, "sites", ".json");
        Files.writeString(file, json);
        return file;
    }
}
