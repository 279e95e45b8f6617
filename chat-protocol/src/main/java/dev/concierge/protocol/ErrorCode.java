package dev.concierge.protocol;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The codes the server puts in an {@code error} frame ({@code ServerMessage.Error.code()}) and in
 * the {@code error} field of an HTTP error body, each with its wire string (docs/protocol.md lists
 * them). {@code ServerMessage.Error} keeps the code as a string, so a client reads frames from a
 * newer server whose codes it does not know; {@link #fromWire(String)} turns a known one into its
 * constant.
 */
public enum ErrorCode {
    /** The frame (or an HTTP request body) is not a JSON object. */
    BAD_JSON("bad_json"),
    /**
     * A required field is missing or has a wrong type or value; over HTTP, a parameter or the
     * request itself is invalid.
     */
    BAD_REQUEST("bad_request"),
    /** {@code type} is not one of the protocol's client message types. */
    UNKNOWN_TYPE("unknown_type"),
    /** {@code hello.version} is not a version this server speaks. */
    UNSUPPORTED_VERSION("unsupported_version"),
    /** A request came before {@code hello}. */
    HELLO_REQUIRED("hello_required"),
    /**
     * Agent token missing, wrong or expired (a socket is then closed with 1008); over HTTP, wrong
     * sign-in credentials or a missing or wrong token.
     */
    UNAUTHORIZED("unauthorized"),
    /**
     * The role may not send this message type (a visitor sending {@code accept}); over HTTP, the
     * agent lacks the role for the request (FAQ edits).
     */
    FORBIDDEN("forbidden"),
    /**
     * No such conversation, or not the sender's: the two are never told apart; over HTTP, no such
     * path or resource.
     */
    NOT_FOUND("not_found"),
    /**
     * Not possible in the conversation's state (rating an open conversation, accepting one that is
     * no longer queued).
     */
    BAD_STATE("bad_state"),
    /** A transfer target is not online, or no such department. */
    UNAVAILABLE("unavailable"),
    /**
     * A transfer to an agent who already has as many chats as {@code settings.maxChatsPerAgent};
     * sending it again with {@code "force": true} transfers anyway.
     */
    AGENT_AT_CAPACITY("agent_at_capacity"),
    /**
     * {@code hello.identity} failed verification (bad signature, expired token, site without a
     * secret); the visitor continues anonymously.
     */
    IDENTITY_REJECTED("identity_rejected"),
    /**
     * {@code hello.identity.emailSignature} failed verification; the user id stays verified, the
     * email counts as typed.
     */
    EMAIL_REJECTED("email_rejected"),
    /** {@code hello.site} names no site configured on the server (the socket is then closed with 1008). */
    UNKNOWN_SITE("unknown_site"),
    /**
     * {@code hello.department} or {@code handoff.department} names no configured department; the
     * hello goes on without it, the handoff is not made.
     */
    UNKNOWN_DEPARTMENT("unknown_department"),
    /** {@code hello.resume} names a conversation that can no longer be replayed. */
    CANNOT_RESUME("cannot_resume"),
    /**
     * More messages per second than the socket's budget; the request was not processed and may be
     * resent later with the same id. Also a {@code transcript_email} over a mail limit, with the
     * error's {@code retryAfter}.
     */
    RATE_LIMITED("rate_limited"),
    /**
     * {@code transcript_email.address} was neither given in that conversation nor vouched for by
     * the site: the server mails no one else.
     */
    EMAIL_NOT_ALLOWED("email_not_allowed"),
    /**
     * The site named in {@code hello} does not allow the page's origin; over HTTP (403), the
     * WebSocket handshake came from an origin the server does not allow.
     */
    FORBIDDEN_ORIGIN("forbidden_origin"),
    /**
     * The server failed; nothing was stored; the client retries with the same id. Over HTTP, HTTP
     * 500.
     */
    INTERNAL("internal"),
    /** HTTP only (405): the path does not take this method. */
    METHOD_NOT_ALLOWED("method_not_allowed"),
    /** HTTP only (409): an agent or FAQ entry with this id (or username) exists. */
    CONFLICT("conflict"),
    /** HTTP only (422): the FAQ edit would leave an invalid FAQ; {@code message} says why. */
    INVALID_FAQ("invalid_faq"),
    /** HTTP only (429): too many sign-in attempts; {@code Retry-After} says when to try again. */
    TOO_MANY_ATTEMPTS("too_many_attempts"),
    /** HTTP only (503): the request's lane of blocking work is full; {@code Retry-After} says when to retry. */
    BUSY("busy"),
    /** HTTP only (413): an upload over a size or pixel limit; {@code message} says which (docs/attachments.md). */
    TOO_LARGE("too_large"),
    /** HTTP only (415): an upload whose bytes say image but do not decode as one (docs/attachments.md). */
    UNSUPPORTED_TYPE("unsupported_type");

    private static final Map<String, ErrorCode> BY_WIRE =
            Arrays.stream(values()).collect(Collectors.toUnmodifiableMap(ErrorCode::wire, Function.identity()));

    private final String wire;

    ErrorCode(String wire) {
        this.wire = wire;
    }

    /**
     * The code as written on the wire.
     *
     * @return the wire string, e.g. {@code not_found}
     */
    public String wire() {
        return wire;
    }

    /**
     * The constant whose wire string is {@code wire}.
     *
     * @param wire a code as written on the wire; may be null
     * @return the constant; empty for a code this version does not know, or for null
     */
    public static Optional<ErrorCode> fromWire(String wire) {
        return wire == null ? Optional.empty() : Optional.ofNullable(BY_WIRE.get(wire));
    }
}
