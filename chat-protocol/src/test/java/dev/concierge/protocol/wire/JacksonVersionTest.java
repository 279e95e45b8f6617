package dev.concierge.protocol.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.core.Version;
import org.junit.jupiter.api.Test;

final class JacksonVersionTest {
    private static Version version(int major, int minor, int patch) {
        return new Version(major, minor, patch, null, "com.fasterxml.jackson.core", "jackson-core");
    }

    @Test
    void floor_is215_andOlderVersionsAreRefused() {
        assertThat(JacksonVersion.atLeastRequired(version(2, 13, 5))).isFalse();
        assertThat(JacksonVersion.atLeastRequired(version(2, 14, 3))).isFalse();
        assertThat(JacksonVersion.atLeastRequired(version(1, 99, 0))).isFalse();
        assertThat(JacksonVersion.atLeastRequired(version(2, 15, 0))).isTrue();
        assertThat(JacksonVersion.atLeastRequired(version(2, 18, 2))).isTrue();
        assertThat(JacksonVersion.atLeastRequired(version(3, 0, 0))).isTrue();
    }

    @Test
    void theBuildsJackson_isAccepted() {
        assertThatCode(JacksonVersion::require).doesNotThrowAnyException();
        assertThatCode(ProtocolCodec::create).doesNotThrowAnyException();
    }
}
