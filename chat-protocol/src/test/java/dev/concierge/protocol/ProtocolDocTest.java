package dev.concierge.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ProtocolCodec;
import dev.concierge.protocol.wire.ServerMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every example of the protocol's pages (docs/protocol.md, protocol-agents.md, protocol-errors.md)
 * parses, and every message type has one.
 */
final class ProtocolDocTest {
    private static final Pattern BLOCK = Pattern.compile("```json (client|server)\\n(.*?)\\n```", Pattern.DOTALL);
    private static final List<String> PAGES = List.of("protocol.md", "protocol-agents.md", "protocol-errors.md");
    private final ProtocolCodec codec = ProtocolCodec.create();

    record Example(String direction, String json) {}

    static List<Example> examples() throws Exception {
        StringBuilder pages = new StringBuilder();
        for (String page : PAGES) {
            pages.append(Files.readString(Path.of("..", "docs", page))).append('\n');
        }
        String doc = pages.toString();
        Matcher m = BLOCK.matcher(doc);
        List<Example> out = new ArrayList<>();
        while (m.find()) {
            out.add(new Example(m.group(1), m.group(2).trim()));
        }
        return out;
    }

    @Test
    void everyExample_parsesAndRoundTrips() throws Exception {
        List<Example> examples = examples();
        assertThat(examples).hasSizeGreaterThan(20);
        Set<Class<?>> seen = new HashSet<>();
        for (Example ex : examples) {
            Object decoded =
                    ex.direction().equals("client") ? codec.decodeClient(ex.json()) : codec.decodeServer(ex.json());
            seen.add(decoded.getClass());
            Object again = ex.direction().equals("client")
                    ? codec.decodeClient(codec.encode(decoded))
                    : codec.decodeServer(codec.encode(decoded));
            assertThat(again).as(ex.json()).isEqualTo(decoded);
            // No field of the example is lost in decoding: re-encoding keeps every key it had.
            var original = codec.mapper().readTree(ex.json());
            var reencoded = codec.mapper().readTree(codec.encode(decoded));
            assertThat(reencoded).as(ex.json()).isEqualTo(original);
        }
        for (Class<?> permitted : ClientMessage.class.getPermittedSubclasses()) {
            assertThat(seen)
                    .as("the protocol pages have an example of " + permitted.getSimpleName())
                    .contains(permitted);
        }
        for (Class<?> permitted : ServerMessage.class.getPermittedSubclasses()) {
            assertThat(seen)
                    .as("the protocol pages have an example of " + permitted.getSimpleName())
                    .contains(permitted);
        }
    }
}
