package dev.concierge.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.protocol.wire.ProtocolCodec;
import dev.concierge.protocol.wire.ServerMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** {@link ErrorCode} and the error tables of docs/protocol-errors.md name the same codes. */
final class ErrorCodeTest {
    private static final Pattern ROW = Pattern.compile("^\\| `([a-z_]+)` \\|", Pattern.MULTILINE);

    /** The codes in the first table after {@code heading}, up to the next blank line after it. */
    private static Set<String> tableAfter(String doc, String heading) {
        int start = doc.indexOf(heading);
        assertThat(start).as("docs/protocol-errors.md has " + heading).isNotNegative();
        int table = doc.indexOf("\n| code |", start);
        int end = doc.indexOf("\n\n", table + 1);
        Matcher m = ROW.matcher(doc.substring(table, end < 0 ? doc.length() : end));
        Set<String> codes = new LinkedHashSet<>();
        while (m.find()) {
            codes.add(m.group(1));
        }
        return codes;
    }

    @Test
    void everyDocumentedCode_isAnErrorCode_andEveryErrorCode_isDocumented() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "protocol-errors.md"));
        Set<String> frames = tableAfter(doc, "### `error`");
        Set<String> http = tableAfter(doc, "An HTTP request that fails");
        assertThat(frames).contains("bad_json", "internal").hasSizeGreaterThan(15);
        assertThat(http).contains("bad_json", "busy").hasSizeGreaterThan(5);

        Set<String> documented = new LinkedHashSet<>(frames);
        documented.addAll(http);
        Set<String> enumerated =
                Arrays.stream(ErrorCode.values()).map(ErrorCode::wire).collect(Collectors.toSet());
        assertThat(enumerated).containsExactlyInAnyOrderElementsOf(documented);
        for (String code : documented) {
            assertThat(ErrorCode.fromWire(code)).as(code).hasValueSatisfying(c -> assertThat(c.wire())
                    .isEqualTo(code));
        }
    }

    @Test
    void fromWire_isEmptyForACodeThisVersionDoesNotKnow() {
        assertThat(ErrorCode.fromWire("added_later")).isEmpty();
        assertThat(ErrorCode.fromWire("NOT_FOUND")).isEmpty();
        assertThat(ErrorCode.fromWire(null)).isEmpty();
        assertThat(ErrorCode.fromWire("not_found")).contains(ErrorCode.NOT_FOUND);
    }

    @Test
    void anErrorFrameBuiltFromACode_carriesItsWireString() {
        ProtocolCodec codec = ProtocolCodec.create();
        String json = codec.encode(ServerMessage.Error.of(ErrorCode.NOT_FOUND, "No such conversation.", "m9"));
        assertThat(json)
                .isEqualTo(
                        "{\"type\":\"error\",\"code\":\"not_found\",\"message\":\"No such conversation.\",\"ref\":\"m9\"}");
    }
}
