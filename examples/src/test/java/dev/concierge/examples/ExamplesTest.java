package dev.concierge.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.server.ChatServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link AgentExample} and {@link VisitorExample} run as written, each its own JVM, against a
 * server configured as {@code ./concierge serve} is by default (the sample FAQ, the demo agent):
 * what each prints shows the whole conversation went through.
 */
final class ExamplesTest {
    private ChatServer server;
    private final List<Process> started = new ArrayList<>();

    @BeforeEach
    void start() {
        server = ChatServer.builder().port(0).start();
    }

    @AfterEach
    void stop() {
        started.forEach(Process::destroyForcibly);
        server.close();
    }

    @Test
    void theAgentTakesTheVisitorsHandoff_repliesAndCloses() throws Exception {
        String url = "http://127.0.0.1:" + server.port();
        Program agent = run(AgentExample.class, url);
        agent.awaitLine("Signed in as ");

        Program visitor = run(VisitorExample.class, url);

        List<String> visitorOut = visitor.finish();
        List<String> agentOut = agent.finish();
        assertThat(visitorOut)
                .as("the visitor's output")
                .anySatisfy(line -> assertThat(line).startsWith("Bot: ").contains("order"))
                .contains("Asked for a person.")
                .contains("Agent Dana Demo: Hello Ada Lovelace, your order left today.")
                .contains("Closed by AGENT: resolved");
        assertThat(agentOut)
                .as("the agent's output")
                .contains("Visitor: Ada Lovelace <ada@example.com>")
                .contains("Page: https://shop.example.com/orders/1234")
                .contains("Attributes: {plan=premium}")
                .contains("  [visitor] Where is my order?")
                .anySatisfy(line -> assertThat(line).startsWith("  [bot] ").contains("order"))
                .anySatisfy(line ->
                        assertThat(line).startsWith("Replied to and closed ").endsWith(" as resolved."));
    }

    /** A program's main in a JVM of its own, with this test's class path; stdout read line by line. */
    private Program run(Class<?> main, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                main.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        builder.environment().keySet().removeAll(List.of("CLASSPATH", "JDK_JAVA_OPTIONS", "JAVA_TOOL_OPTIONS"));
        Process process = builder.start();
        started.add(process);
        return new Program(main.getSimpleName(), process);
    }

    private static final class Program {
        private final String name;
        private final Process process;
        private final BlockingQueue<String> unread = new LinkedBlockingQueue<>();
        private final List<String> lines = new ArrayList<>();
        private final CompletableFuture<Void> ended;

        Program(String name, Process process) {
            this.name = name;
            this.process = process;
            this.ended = CompletableFuture.runAsync(() -> {
                try (BufferedReader out =
                        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line = out.readLine(); line != null; line = out.readLine()) {
                        unread.add(line);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }

        /** Waits (up to 60 s) until the program printed a line starting with {@code prefix}. */
        void awaitLine(String prefix) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                String line = unread.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (line == null) {
                    throw new AssertionError(
                            name + " printed no line starting with \"" + prefix + "\" within 60 s: " + lines);
                }
                lines.add(line);
                if (line.startsWith(prefix)) {
                    return;
                }
            }
        }

        /** Waits (up to 90 s) for the program to end by itself with exit code 0; all it printed. */
        List<String> finish() throws Exception {
            if (!process.waitFor(90, TimeUnit.SECONDS)) {
                throw new AssertionError(name + " still running after 90 s; printed " + lines + unread);
            }
            ended.get(10, TimeUnit.SECONDS);
            unread.drainTo(lines);
            lines.forEach(line -> System.out.println(name + "> " + line));
            assertThat(process.exitValue())
                    .as(name + " exit code; printed " + lines)
                    .isZero();
            return List.copyOf(lines);
        }
    }
}
