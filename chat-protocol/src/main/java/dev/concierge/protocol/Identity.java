package dev.concierge.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.concierge.protocol.wire.Checks;

/**
 * A signed-in user of the site, vouched for by the site's backend: {@code signature} is
 * HMAC-SHA256 of {@code userId} with the site's secret (hex), or {@code token} an expiring
 * signed token; {@code emailSignature} (optional) vouches for {@code email} too. See
 * docs/widget.md, "Identity verification".
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Identity(
        String userId, String name, String email, String signature, String token, String emailSignature) {
    /**
     * Checks each field's length.
     *
     * @param userId the site's id of the user
     * @param name the user's name, shown to agents
     * @param email the user's email address
     * @param signature HMAC-SHA256 of {@code userId} with the site's secret, in hex
     * @param token an expiring signed token, instead of {@code signature}
     * @param emailSignature vouches for {@code email} too; may be null
     */
    public Identity {
        Checks.optionalText("identity.userId", userId, 128);
        Checks.optionalText("identity.name", name, 200);
        Checks.optionalText("identity.email", email, 320);
        Checks.optionalText("identity.signature", signature, 256);
        Checks.optionalText("identity.token", token, 2048);
        Checks.optionalText("identity.emailSignature", emailSignature, 256);
    }

    /**
     * An identity whose email, if any, is not signed.
     *
     * @param userId the site's id of the user
     * @param name the user's name, shown to agents
     * @param email the user's email address
     * @param signature HMAC-SHA256 of {@code userId} with the site's secret, in hex
     * @param token an expiring signed token, instead of {@code signature}
     */
    public Identity(String userId, String name, String email, String signature, String token) {
        this(userId, name, email, signature, token, null);
    }
}
