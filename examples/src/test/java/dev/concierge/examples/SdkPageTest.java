package dev.concierge.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The programs shown in docs/sdk.md are exactly the sources {@link ExamplesTest} runs, so the page
 * cannot drift from what is tested.
 */
final class SdkPageTest {
    private static final Pattern JAVA_BLOCK = Pattern.compile("(?ms)^```java\\n(.*?)^```$");
    private static final Path SOURCES = Path.of("src", "main", "java", "dev", "concierge", "examples");

    @Test
    void theProgramsOnThePageAreTheTestedSources() throws IOException {
        String page = Files.readString(Path.of("..", "docs", "sdk.md"));
        List<String> programs = new ArrayList<>();
        Matcher block = JAVA_BLOCK.matcher(page);
        while (block.find()) {
            if (block.group(1).startsWith("package dev.concierge.examples;")) {
                programs.add(block.group(1));
            }
        }

        assertThat(programs)
                .as("the complete programs in docs/sdk.md")
                .containsExactly(
                        Files.readString(SOURCES.resolve("VisitorExample.java")),
                        Files.readString(SOURCES.resolve("AgentExample.java")));
    }
}
