package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Runs after the whole chat-server suite (a surefire execution of its own, see the pom) and reads
 * every line the suite logged: no visitor token, agent session token, test password or chat text
 * may appear. {@link LogSecurityTest} proves one scenario in detail; this one covers every test.
 */
final class LogScanTest {
    /** Tokens are "vt_"/"st_" + 32 random bytes in base64url (43 characters). */
    private static final Pattern TOKEN = Pattern.compile("\\b(vt|st)_[A-Za-z0-9_-]{43}\\b");
    /** Passwords and chat lines the suite's tests use. */
    private static final List<String> SECRETS = List.of(
            "pw-one",
            "pw-two",
            "pw-bill",
            "pw-secret-one",
            "demo-password",
            "sam-password",
            "zoe-password-1",
            "Where is my order?",
            "My parcel arrived damaged",
            "4111 1111 1111 1111",
            "Order 1234 is stuck at the depot",
            "Customer was double charged",
            "Please change it to 1 Main St",
            "My blender arrived cracked");

    @Test
    void theWholeSuitesLog_holdsNoTokenPasswordOrMessageText() throws Exception {
        Path log = Path.of(System.getProperty("concierge.test.log", "target/test-logs/suite.log"));
        assertThat(log)
                .as("the suite's log (run the whole chat-server suite first)")
                .exists();
        List<String> lines = Files.readAllLines(log);
        assertThat(lines.size()).as("lines logged by the suite").isGreaterThan(500);
        List<String> findings = new ArrayList<>();
        for (String line : lines) {
            Matcher m = TOKEN.matcher(line);
            if (m.find()) {
                findings.add("token: " + line);
            }
            for (String secret : SECRETS) {
                if (line.contains(secret)) {
                    findings.add("'" + secret + "': " + line);
                }
            }
        }
        assertThat(findings).as("log lines with secrets").isEmpty();
    }
}
