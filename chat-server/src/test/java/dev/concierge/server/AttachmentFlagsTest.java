package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.concierge.server.attach.AttachmentSettings;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@code serve}'s attachment flags: what each sets, and a bad value refused naming its flag. */
final class AttachmentFlagsTest {
    @Test
    void noFlag_leavesTheDefaults_andTellsTheBuilderNothing() {
        AttachmentFlags flags = new AttachmentFlags();
        List<String> set = new ArrayList<>();
        flags.configure((name, setting) -> set.add(name), new ArrayList<>());
        assertThat(set).isEmpty();
        assertThat(flags.settings()).isEqualTo(AttachmentSettings.DEFAULTS);
        assertThat(flags.take("--webhook-allow", "loopback")).isFalse();
    }

    @Test
    void theFlags_setTheLimits_andClamd() {
        AttachmentFlags flags = new AttachmentFlags();
        assertThat(flags.take("--attachment-max-file", "2MB")).isTrue();
        assertThat(flags.take("--attachment-max-conversation", "3072kb")).isTrue();
        assertThat(flags.take("--clamd", "127.0.0.1:3310")).isTrue();
        List<String> notices = new ArrayList<>();
        List<String> set = new ArrayList<>();
        flags.configure((name, setting) -> set.add(name), notices);
        AttachmentSettings s = flags.settings();
        assertThat(s.maxFileBytes()).isEqualTo(2L << 20);
        assertThat(s.maxConversationBytes()).isEqualTo(3L << 20);
        assertThat(s.clamd()).contains(new InetSocketAddress("127.0.0.1", 3310));
        assertThat(set).containsExactly("--attachment-max-file");
        assertThat(notices).anyMatch(n -> n.contains("clamd at 127.0.0.1:3310"));

        AttachmentFlags big = new AttachmentFlags();
        big.take("--attachment-max-file", "100MB");
        assertThat(big.settings().maxConversationBytes())
                .as("the conversation limit grows to a larger file limit")
                .isEqualTo(100L << 20);
        assertThat(big.settings().clamd()).isEqualTo(Optional.empty());
        assertThat(AttachmentFlags.size("f", "12345")).isEqualTo(12345);
        assertThat(AttachmentFlags.size("f", "1GB")).isEqualTo(1L << 30);
    }

    @Test
    void badValues_areRefusedNamingTheFlag() {
        for (String bad : new String[] {"0", "-1", "10 MB", "10TB", "ten", "", "99999999999999GB"}) {
            assertThatThrownBy(() -> new AttachmentFlags().take("--attachment-max-file", bad))
                    .as(bad)
                    .isInstanceOf(ServeOptions.UsageException.class)
                    .hasMessageStartingWith("--attachment-max-file");
        }
        for (String bad : new String[] {"localhost", ":3310", "host:0", "host:70000", "host:x"}) {
            assertThatThrownBy(() -> new AttachmentFlags().take("--clamd", bad))
                    .as(bad)
                    .hasMessageStartingWith("--clamd");
        }
        AttachmentFlags flags = new AttachmentFlags();
        flags.take("--attachment-max-file", "20MB");
        flags.take("--attachment-max-conversation", "10MB");
        assertThatThrownBy(flags::settings).hasMessageContaining("--attachment-max-conversation");
        assertThatThrownBy(() -> ServeOptions.parse(List.of("--attachment-max-file", "nope"), name -> null, host ->
                        new java.net.InetAddress[] {java.net.InetAddress.getLoopbackAddress()}))
                .hasMessageStartingWith("--attachment-max-file");
    }
}
