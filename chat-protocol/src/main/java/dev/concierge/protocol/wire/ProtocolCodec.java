package dev.concierge.protocol.wire;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.concierge.protocol.ErrorCode;
import java.io.IOException;
import java.util.Set;

/**
 * Encodes and decodes protocol frames. Thread-safe; create once with {@link #create()} and share.
 * Decoding validates: a frame that is not a JSON object, nests deeper than
 * {@link #MAX_DEPTH}, has an unknown {@code type} or a bad field fails with a
 * {@link ProtocolException} carrying the error code and the request id.
 */
public final class ProtocolCodec {
    /**
     * The newest protocol version, the one the SDK's clients say hello with. Version 2 differs
     * from 1 in one thing: a {@code message} request that stores a new event is acknowledged by
     * that {@code event} (it carries the request's {@code id}), with no separate {@code ack}.
     */
    public static final int VERSION = 2;
    /** The oldest protocol version a server accepts. */
    public static final int MIN_VERSION = 1;

    /** Whether a server speaks the protocol version a {@code hello} asks for. */
    public static boolean supported(int version) {
        return version >= MIN_VERSION && version <= VERSION;
    }
    /** Deepest JSON nesting accepted in a frame. */
    public static final int MAX_DEPTH = 16;

    private static final Set<String> CLIENT_TYPES = Set.of(
            "hello",
            "message",
            "handoff",
            "typing",
            "close",
            "rate",
            "history",
            "presence",
            "accept",
            "leave_message",
            "receipt",
            "transfer",
            "note",
            "context",
            "queue");

    private final ObjectMapper mapper;

    private ProtocolCodec(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /**
     * A codec with the protocol's settings.
     *
     * @return a new codec
     * @throws IllegalStateException if the Jackson on the class path is older than 2.15
     */
    public static ProtocolCodec create() {
        JacksonVersion.require();
        JsonMapper mapper = JsonMapper.builder()
                .addModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                .build();
        mapper.getFactory()
                .setStreamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_DEPTH)
                        .maxStringLength(64 * 1024)
                        .maxNumberLength(32)
                        .build());
        return new ProtocolCodec(mapper);
    }

    /** The configured Jackson mapper (for REST bodies that use the same value types). */
    public ObjectMapper mapper() {
        return mapper;
    }

    /**
     * Decodes a client frame from its UTF-8 bytes (a WebSocket text frame's payload, already
     * validated as UTF-8), without making a {@code String} first; throws {@link ProtocolException}
     * with the error code.
     */
    public ClientMessage decodeClient(byte[] utf8, int offset, int length) {
        try {
            return mapper.readValue(utf8, offset, length, ClientMessage.class);
        } catch (IOException | RuntimeException e) {
            // The slow path names the error and the request id.
            return decodeClient(new String(utf8, offset, length, java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    /** Decodes a client frame; throws {@link ProtocolException} with the error code. */
    public ClientMessage decodeClient(String json) {
        // Fast path: one pass straight into the record. Anything it rejects is decoded again
        // through the tree below, which names the precise error and the request id.
        try {
            return mapper.readValue(json, ClientMessage.class);
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        JsonNode tree = readObject(json);
        String ref = tree.path("id").isTextual() ? tree.get("id").asText() : null;
        JsonNode type = tree.get("type");
        if (type == null || !type.isTextual()) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "type is required", ref);
        }
        if (!CLIENT_TYPES.contains(type.asText())) {
            throw new ProtocolException(ErrorCode.UNKNOWN_TYPE, "Unknown message type: " + clip(type.asText()), ref);
        }
        return convert(tree, ClientMessage.class, ref);
    }

    /** Decodes a server frame (used by the SDK and by tests). */
    public ServerMessage decodeServer(String json) {
        JsonNode tree = readObject(json);
        return convert(tree, ServerMessage.class, null);
    }

    /** Encodes any protocol message as a JSON text frame payload. */
    public String encode(Object message) {
        try {
            return mapper.writeValueAsString(message);
        } catch (JsonProcessingException e) {
            throw new ProtocolException(
                    ErrorCode.INTERNAL, "Cannot encode " + message.getClass().getSimpleName(), null);
        }
    }

    /** Encodes any protocol message as the UTF-8 bytes of a JSON text frame. */
    public byte[] encodeBytes(Object message) {
        // The frames of every relayed message, written by hand (the same bytes, a fraction of the cost).
        byte[] fast = message instanceof ServerMessage.Event e
                ? EventJson.event(e)
                : message instanceof ServerMessage.Ack a ? EventJson.ack(a) : null;
        if (fast != null) {
            return fast;
        }
        try {
            return mapper.writeValueAsBytes(message);
        } catch (JsonProcessingException e) {
            throw new ProtocolException(
                    ErrorCode.INTERNAL, "Cannot encode " + message.getClass().getSimpleName(), null);
        }
    }

    private JsonNode readObject(String json) {
        JsonNode tree;
        try {
            tree = mapper.readTree(json);
        } catch (IOException e) {
            throw new ProtocolException(ErrorCode.BAD_JSON, "The frame is not valid JSON.", null);
        }
        if (tree == null || !tree.isObject()) {
            throw new ProtocolException(ErrorCode.BAD_JSON, "The frame must be a JSON object.", null);
        }
        return tree;
    }

    private <T> T convert(JsonNode tree, Class<T> type, String ref) {
        try {
            return mapper.treeToValue(tree, type);
        } catch (InvalidTypeIdException e) {
            throw new ProtocolException(ErrorCode.UNKNOWN_TYPE, "Unknown message type.", ref);
        } catch (ValueInstantiationException e) {
            Throwable cause = e.getCause();
            String why = cause != null && cause.getMessage() != null ? cause.getMessage() : "invalid field";
            throw new ProtocolException(ErrorCode.BAD_REQUEST, why, ref);
        } catch (MismatchedInputException e) {
            String field = e.getPath().isEmpty()
                    ? "a field"
                    : e.getPath().get(e.getPath().size() - 1).getFieldName();
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "Wrong type or value for " + field + ".", ref);
        } catch (IOException | IllegalArgumentException e) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "Invalid message.", ref);
        }
    }

    private static String clip(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}
