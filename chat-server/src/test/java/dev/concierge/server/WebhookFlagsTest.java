package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.server.webhook.WebhookSettings;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code serve}'s webhook flags: what each sets, and a bad value refused naming its flag. */
final class WebhookFlagsTest {
    private static WebhookFlags take(String... flagsAndValues) {
        WebhookFlags flags = new WebhookFlags();
        for (int i = 0; i < flagsAndValues.length; i++) {
            if (!flags.takeSwitch(flagsAndValues[i])) {
                assertThat(flags.take(flagsAndValues[i], flagsAndValues[++i])).isTrue();
            }
        }
        return flags;
    }

    @Test
    void noFlag_leavesTheDefaults_andTellsTheBuilderNothing() {
        WebhookFlags flags = new WebhookFlags();
        List<String> set = new ArrayList<>();
        flags.configure((name, setting) -> set.add(name), new ArrayList<>());
        assertThat(set).isEmpty();
        assertThat(flags.settings()).isEqualTo(WebhookSettings.DEFAULTS);
        assertThat(flags.take("--smtp", "smtp://x")).isFalse();
        assertThat(flags.takeSwitch("--dev-mailbox")).isFalse();
    }

    @Test
    void theFlags_setTheAllowList_http_theSchedule_andThePauseRule() {
        WebhookFlags flags = take(
                "--webhook-allow",
                "loopback, private,10.0.0.0/8",
                "--webhook-allow-http",
                "--webhook-backoff",
                "100ms,200ms,2s,1m,1h",
                "--webhook-pause-after",
                "2s,5");
        WebhookSettings s = flags.settings();
        assertThat(s.allow()).containsExactly("loopback", "private", "10.0.0.0/8");
        assertThat(s.allowHttp()).isTrue();
        assertThat(s.backoff())
                .containsExactly(
                        Duration.ofMillis(100),
                        Duration.ofMillis(200),
                        Duration.ofSeconds(2),
                        Duration.ofMinutes(1),
                        Duration.ofHours(1));
        assertThat(s.jitter()).as("a given schedule is taken exactly").isFalse();
        assertThat(s.pauseAfter()).isEqualTo(Duration.ofSeconds(2));
        assertThat(s.pauseAfterFailures()).isEqualTo(5);
        assertThat(s.maxInFlight()).isEqualTo(64);

        List<String> set = new ArrayList<>();
        List<String> notices = new ArrayList<>();
        flags.configure((name, setting) -> set.add(name), notices);
        assertThat(set).containsExactly("--webhook-allow");
        assertThat(notices)
                .containsExactly("Webhooks may reach loopback, private, 10.0.0.0/8 and public addresses,"
                        + " over plain http too (docs/integrations.md)");
    }

    @Test
    void badValues_areRefusedNamingTheFlag() {
        assertThatThrownBy(() -> take("--webhook-backoff", "100ms,soon"))
                .isInstanceOf(ServeOptions.UsageException.class)
                .hasMessageStartingWith("--webhook-backoff: a duration is a whole number with ms, s, m or h")
                .hasMessageEndingWith("was soon");
        assertThatThrownBy(() -> take("--webhook-backoff", "100ms,,1s"))
                .isInstanceOf(ServeOptions.UsageException.class)
                .hasMessage("--webhook-backoff: an empty item in 100ms,,1s");
        assertThatThrownBy(() -> take("--webhook-backoff", "0s"))
                .isInstanceOf(ServeOptions.UsageException.class)
                .hasMessageStartingWith("--webhook-backoff: backoff: each wait must be positive");
        assertThatThrownBy(() -> take("--webhook-backoff", "25h"))
                .isInstanceOf(ServeOptions.UsageException.class)
                .hasMessageContaining("at most 1 day");
        assertThatThrownBy(() -> take("--webhook-pause-after", "2s"))
                .isInstanceOf(ServeOptions.UsageException.class)
                .hasMessage("--webhook-pause-after must be DURATION,FAILURES (e.g. 12h,10), was 2s");
        assertThatThrownBy(() -> take("--webhook-pause-after", "2s,0"))
                .isInstanceOf(ServeOptions.UsageException.class)
                .hasMessage("--webhook-pause-after must be a positive number, was 0");
        assertThatThrownBy(() -> take("--webhook-pause-after", "-2s,3"))
                .isInstanceOf(ServeOptions.UsageException.class)
                .hasMessageStartingWith("--webhook-pause-after: a duration is");
        assertThatThrownBy(() -> take("--webhook-allow", "loopback,intranet"))
                .isInstanceOf(ServeOptions.UsageException.class)
                .hasMessage(
                        "--webhook-allow: 'intranet' is not loopback, private, link-local or a CIDR such as 10.0.0.0/8");
        assertThatThrownBy(() -> take("--webhook-allow", "10.0.0.0/33"))
                .isInstanceOf(ServeOptions.UsageException.class)
                .hasMessageStartingWith("--webhook-allow: '10.0.0.0/33'");
        assertThatThrownBy(() -> WebhookSettings.DEFAULTS.allow("loopback", "intranet"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("allow: 'intranet' is not loopback");
        assertThatThrownBy(() -> take("--webhook-allow", "loopback,"))
                .isInstanceOf(ServeOptions.UsageException.class)
                .hasMessage("--webhook-allow: an empty item in loopback,");
    }

    @Test
    void serve_takesTheWebhookFlags_besideTheOthers() {
        ServeOptions o = ServeOptions.parse(
                List.of(
                        "--webhook-allow",
                        "loopback",
                        "--webhook-allow-http",
                        "--port",
                        "0",
                        "--webhook-backoff",
                        "100ms,200ms,400ms"),
                name -> null,
                host -> InetAddress.getAllByName("127.0.0.1"));
        assertThat(o.notices())
                .contains(
                        "Webhooks may reach loopback and public addresses, over plain http too (docs/integrations.md)");
        o.configure(ChatServer.builder());
        assertThatThrownBy(() -> ServeOptions.parse(
                        List.of("--webhook-pause-after", "soon,3"), name -> null, host -> new InetAddress[0]))
                .isInstanceOf(ServeOptions.UsageException.class)
                .hasMessageStartingWith("--webhook-pause-after: ");
    }
}
