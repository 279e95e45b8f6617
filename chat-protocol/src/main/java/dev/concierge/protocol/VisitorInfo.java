package dev.concierge.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * Who the visitor is, as the agent sees it. {@code verified} is true when the site's backend
 * vouched for the visitor ({@code hello.identity} verified; {@code userId} is then the site's
 * user id), false when name and email are only what the visitor typed. {@code verifiedFields}
 * names exactly the fields the site vouched for: {@code userId}, and {@code email} when the
 * identity's {@code emailSignature} verified; a field not named is as typed.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record VisitorInfo(
        String id,
        String name,
        String email,
        Map<String, String> attributes,
        Boolean verified,
        String userId,
        List<String> verifiedFields) {
    /**
     * Copies {@code attributes} and {@code verifiedFields}.
     *
     * @param id the visitor's id
     * @param name the visitor's name
     * @param email the visitor's email address
     * @param attributes the site's attributes of the visitor (none when null)
     * @param verified whether the site's backend vouched for the visitor; null when unknown
     * @param userId the site's user id, when verified
     * @param verifiedFields the fields the site vouched for (none when null)
     */
    public VisitorInfo {
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
        verifiedFields = verifiedFields == null ? List.of() : List.copyOf(verifiedFields);
    }

    /**
     * A visitor without a verification status.
     *
     * @param id the visitor's id
     * @param name the visitor's name
     * @param email the visitor's email address
     * @param attributes the site's attributes of the visitor (none when null)
     */
    public VisitorInfo(String id, String name, String email, Map<String, String> attributes) {
        this(id, name, email, attributes, null, null, null);
    }

    /**
     * A visitor whose verified fields are only {@code userId} (when {@code verified}).
     *
     * @param id the visitor's id
     * @param name the visitor's name
     * @param email the visitor's email address
     * @param attributes the site's attributes of the visitor (none when null)
     * @param verified whether the site's backend vouched for the visitor
     * @param userId the site's user id, when verified
     */
    public VisitorInfo(
            String id, String name, String email, Map<String, String> attributes, Boolean verified, String userId) {
        this(id, name, email, attributes, verified, userId, Boolean.TRUE.equals(verified) ? List.of("userId") : null);
    }
}
