package dev.concierge.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The served OpenAPI document as the tests read it: its operations, the schema of an answer, and
 * the validation of a JSON text against a schema of it (networknt's validator with the OpenAPI 3.0
 * dialect, which knows {@code nullable} and {@code discriminator}).
 */
final class OpenApiSpec {
    /** The methods an OpenAPI path item may hold operations for. */
    static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");

    private static final String BASE = "https://concierge.invalid/api/openapi.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One operation: its method (upper case), path template and node. */
    record Operation(String method, String path, JsonNode node) {
        String id() {
            return node.path("operationId").asText();
        }

        /** Whether it needs a credential: a non-empty {@code security}. */
        boolean secured() {
            return !node.path("security").isEmpty();
        }

        @Override
        public String toString() {
            return method + " " + path + " (" + id() + ")";
        }
    }

    private final String text;
    private final JsonNode doc;
    private final SchemaRegistry schemas;

    private OpenApiSpec(String text) throws IOException {
        this.text = text;
        this.doc = JSON.readTree(text);
        this.schemas = SchemaRegistry.withDefaultDialect(
                Dialects.getOpenApi30(), builder -> builder.schemas(Map.of(BASE, text)));
    }

    /** The document of the class path, as the server serves it. */
    static OpenApiSpec load() {
        try (InputStream in = OpenApiSpec.class.getResourceAsStream(OpenApiDocument.RESOURCE)) {
            return new OpenApiSpec(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String text() {
        return text;
    }

    JsonNode doc() {
        return doc;
    }

    /** Every operation, in the document's order. */
    List<Operation> operations() {
        List<Operation> all = new ArrayList<>();
        doc.path("paths")
                .fields()
                .forEachRemaining(path -> path.getValue().fields().forEachRemaining(op -> {
                    if (METHODS.contains(op.getKey())) {
                        all.add(new Operation(op.getKey().toUpperCase(Locale.ROOT), path.getKey(), op.getValue()));
                    }
                }));
        return all;
    }

    /** The operation of {@code method} whose path template matches the concrete {@code path}. */
    Optional<Operation> operation(String method, String path) {
        return operations().stream()
                .filter(op -> op.method().equals(method)
                        && pattern(op.path()).matcher(path).matches())
                .findFirst();
    }

    private static Pattern pattern(String template) {
        StringBuilder regex = new StringBuilder();
        for (String part : template.split("\\{[^}/]+}", -1)) {
            if (!regex.isEmpty()) {
                regex.append("[^/]+");
            }
            regex.append(Pattern.quote(part));
        }
        return Pattern.compile(regex.toString());
    }

    /** A JSON pointer of the document (without {@code #}), followed through {@code $ref}s. */
    String follow(String pointer) {
        JsonNode node = doc.at(pointer);
        while (node.has("$ref")) {
            pointer = node.get("$ref").asText().substring(1);
            node = doc.at(pointer);
        }
        return pointer;
    }

    /** The pointer of {@code op}'s answer with {@code status}, if declared. */
    Optional<String> response(Operation op, int status) {
        String pointer = pointer(op) + "/responses/" + status;
        if (doc.at(pointer).isMissingNode()) {
            return Optional.empty();
        }
        return Optional.of(follow(pointer));
    }

    /** The pointer of an operation's node. */
    static String pointer(Operation op) {
        return "/paths/" + escape(op.path()) + "/" + op.method().toLowerCase(Locale.ROOT);
    }

    static String escape(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }

    /**
     * What is wrong with an answer of {@code op}: its status is not declared, or its body does not
     * match the declared schema (or has one where none is declared); empty when it conforms.
     */
    List<String> problems(Operation op, int status, String body) {
        Optional<String> response = response(op, status);
        if (response.isEmpty()) {
            return List.of(op + ": status " + status + " is not declared; body " + body);
        }
        String schema = response.get() + "/content/application~1json/schema";
        if (doc.at(schema).isMissingNode()) {
            return body.isEmpty() ? List.of() : List.of(op + ": " + status + " declares no body but has " + body);
        }
        return validate(schema, body).stream()
                .map(problem -> op + " " + status + ": " + problem + " in " + body)
                .toList();
    }

    /** The problems of {@code json} against the schema at {@code pointer} of the document. */
    List<String> validate(String pointer, String json) {
        JsonNode instance;
        try {
            instance = JSON.readTree(json);
        } catch (IOException e) {
            return List.of("not JSON: " + e.getMessage());
        }
        if (instance == null) {
            return List.of("empty body");
        }
        Schema schema = schemas.getSchema(SchemaLocation.of(BASE + "#" + pointer));
        return schema.validate(instance).stream().map(Error::toString).toList();
    }

    /** The problems of {@code json} against {@code components.schemas.<name>}. */
    List<String> validateAs(String name, String json) {
        return validate("/components/schemas/" + escape(name), json);
    }

    /** Every {@code $ref} value anywhere in the document. */
    List<String> refs() {
        List<String> refs = new ArrayList<>();
        collectRefs(doc, refs);
        return refs;
    }

    private static void collectRefs(JsonNode node, List<String> into) {
        if (node.isObject()) {
            JsonNode ref = node.get("$ref");
            if (ref != null && ref.isTextual()) {
                into.add(ref.asText());
            }
        }
        for (Iterator<JsonNode> children = node.elements(); children.hasNext(); ) {
            collectRefs(children.next(), into);
        }
    }
}
