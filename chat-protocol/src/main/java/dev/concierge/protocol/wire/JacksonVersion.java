package dev.concierge.protocol.wire;

import com.fasterxml.jackson.core.Version;

/**
 * The oldest Jackson the protocol works with, checked before the codec touches an API that older
 * versions lack. The codec limits what a frame may hold with {@code StreamReadConstraints}, which
 * Jackson added in 2.15: with 2.13 (Spring Boot 2.7) or 2.14 on the class path, making a codec
 * would fail with a {@code NoClassDefFoundError} deep in a connect; this check fails at once with
 * an {@link IllegalStateException} that names the versions found and the one required.
 */
final class JacksonVersion {
    static final int REQUIRED_MAJOR = 2;
    static final int REQUIRED_MINOR = 15;

    private JacksonVersion() {}

    /** Throws {@link IllegalStateException} unless jackson-core and jackson-databind are new enough. */
    static void require() {
        Version core = com.fasterxml.jackson.core.json.PackageVersion.VERSION;
        Version databind = com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION;
        if (!atLeastRequired(core) || !atLeastRequired(databind)) {
            throw new IllegalStateException("Concierge needs Jackson " + REQUIRED_MAJOR + "." + REQUIRED_MINOR
                    + " or later, found jackson-core " + core + " and jackson-databind " + databind
                    + ": manage com.fasterxml.jackson:jackson-bom at " + REQUIRED_MAJOR + "." + REQUIRED_MINOR
                    + ".0 or later (with Spring Boot 2.7, the property jackson-bom.version)");
        }
    }

    static boolean atLeastRequired(Version version) {
        return version.getMajorVersion() > REQUIRED_MAJOR
                || (version.getMajorVersion() == REQUIRED_MAJOR && version.getMinorVersion() >= REQUIRED_MINOR);
    }
}
