package dev.concierge.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.concierge.client.VisitorClient;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.server.ChatServer;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;

/**
 * The SDK as an application gets it: a small program (src/test/resources/module-program) that
 * connects a visitor to a real server, sends a message and prints what the send completed with.
 * It is compiled as a named module that only {@code requires dev.concierge.client} and run in a
 * child JVM on the module path, with no class path and no {@code --add-modules}; and on a class
 * path with the oldest Jackson the SDK supports, with an older one (refused with a clear error),
 * and with the SLF4J 1.7 API.
 */
final class ModulePathTest {
    private static final Pattern STORED = Pattern.compile("(?m)^stored seq (\\d+) in \\S+$");
    private static final Path TARGET = Path.of("target");

    @TempDir
    static Path compiled;

    private static ChatServer server;

    @BeforeAll
    static void startServerAndCompile() throws IOException {
        server = ChatServer.builder().port(0).start();
        List<String> sources;
        try (Stream<Path> files = Files.walk(Path.of("src/test/resources/module-program/demo.app"))) {
            sources = files.filter(f -> f.toString().endsWith(".java"))
                    .map(Path::toString)
                    .toList();
        }
        List<String> args = new ArrayList<>(
                List.of("-d", compiled.toString(), "--module-path", path(sdkModules(modernJackson(), slf4j()))));
        args.addAll(sources);
        int status = ToolProvider.getSystemJavaCompiler().run(null, null, null, args.toArray(String[]::new));
        assertThat(status).as("javac of the module program").isZero();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void namedModule_onTheModulePathAlone_connectsAndSends() throws Exception {
        List<Path> modulePath = new ArrayList<>(sdkModules(modernJackson(), slf4j()));
        modulePath.add(compiled);

        Result run = java("--module-path", path(modulePath), "--module", "demo.app/demo.app.Main", uri());

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).contains("module dev.concierge.client in demo.app");
        assertThat(storedSeq(run)).isPositive();
    }

    @Test
    void classPath_withJackson215_connectsAndSends() throws Exception {
        Result run = onClassPath(jars(TARGET.resolve("jackson-floor")), slf4j());

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).contains("module null in null");
        assertThat(storedSeq(run)).isPositive();
    }

    @Test
    void classPath_withJackson213_failsNamingTheFoundAndRequiredVersions() throws Exception {
        Result run = onClassPath(jars(TARGET.resolve("jackson-below-floor")), slf4j());

        assertThat(run.exitCode()).as(run.toString()).isNotZero();
        assertThat(run.err())
                .contains("java.lang.IllegalStateException: Concierge needs Jackson 2.15 or later,"
                        + " found jackson-core 2.13.5 and jackson-databind 2.13.5")
                .doesNotContain("NoClassDefFoundError")
                .doesNotContain("NoSuchMethodError");
    }

    @Test
    void classPath_withSlf4j17_connectsAndSends() throws Exception {
        Result run = onClassPath(modernJackson(), jars(TARGET.resolve("slf4j-1.7")));

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(storedSeq(run)).isPositive();
    }

    private static Result onClassPath(List<Path> jackson, List<Path> slf4j) throws Exception {
        List<Path> classPath = new ArrayList<>(sdkModules(jackson, slf4j));
        classPath.add(compiled);
        return java("-cp", path(classPath), "demo.app.Main", uri());
    }

    private static long storedSeq(Result run) {
        Matcher m = STORED.matcher(run.out());
        assertThat(m.find()).as("a stored record with its seq in: " + run).isTrue();
        return Long.parseLong(m.group(1));
    }

    private static String uri() {
        return server.baseUri().toString();
    }

    /** The protocol and SDK (classes or jars of this build) with the given Jackson and SLF4J. */
    private static List<Path> sdkModules(List<Path> jackson, List<Path> slf4j) {
        List<Path> paths = new ArrayList<>(List.of(location(ErrorCode.class), location(VisitorClient.class)));
        paths.addAll(jackson);
        paths.addAll(slf4j);
        return paths;
    }

    /** The Jackson of this build: the jars the test itself runs with. */
    private static List<Path> modernJackson() {
        return List.of(
                location(JsonFactory.class),
                location(ObjectMapper.class),
                location(JsonInclude.class),
                location(JavaTimeModule.class));
    }

    private static List<Path> slf4j() {
        return List.of(location(Logger.class));
    }

    private static List<Path> jars(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> jars =
                    files.filter(f -> f.toString().endsWith(".jar")).sorted().toList();
            assertThat(jars)
                    .as("jars copied by maven-dependency-plugin into " + dir)
                    .isNotEmpty();
            return jars;
        }
    }

    private static Path location(Class<?> type) {
        try {
            return Path.of(
                    type.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String path(List<Path> entries) {
        return String.join(
                File.pathSeparator, entries.stream().map(Path::toString).toList());
    }

    private record Result(int exitCode, String out, String err) {}

    /** Runs the JVM of this test with the arguments; fails after a minute. */
    private static Result java(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        // Only the arguments decide the paths: no class path or options inherited from the environment.
        builder.environment().keySet().removeAll(List.of("CLASSPATH", "JDK_JAVA_OPTIONS", "JAVA_TOOL_OPTIONS"));
        Process process = builder.start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("still running after 60 s: " + command);
        }
        return new Result(process.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
    }

    private static String read(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
