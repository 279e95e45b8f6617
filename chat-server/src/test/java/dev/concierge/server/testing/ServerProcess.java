package dev.concierge.server.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The real server in a process of its own, started with the launcher's {@code serve} command. */
public final class ServerProcess implements AutoCloseable {
    private static final Pattern URL = Pattern.compile("http://127\\.0\\.0\\.1:(\\d+)/");
    private static final int OUTPUT_LINES = 200;
    private final Process process;
    private final Deque<String> output;
    public final int port;

    private ServerProcess(Process process, int port, Deque<String> output) {
        this.process = process;
        this.port = port;
        this.output = output;
    }

    public static ServerProcess start(Path dataDir, int port, String... extraArgs) throws Exception {
        return start(dataDir, port, Map.of(), extraArgs);
    }

    /**
     * Starts {@code serve --port PORT --data DIR EXTRA_ARGS} with {@code env} added to this
     * process's environment (e.g. {@code CONCIERGE_DB_USER}), and returns once it listens.
     */
    public static ServerProcess start(Path dataDir, int port, Map<String, String> env, String... extraArgs)
            throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-cp",
                System.getProperty("java.class.path"),
                "dev.concierge.server.Main",
                "serve",
                "--port",
                String.valueOf(port),
                "--data",
                dataDir.toString()));
        cmd.addAll(List.of(extraArgs));
        ProcessBuilder builder = new ProcessBuilder(cmd);
        builder.environment().putAll(env);
        Process process = builder.start();
        Deque<String> output = new ArrayDeque<>();
        // stderr (the log) still reaches this process's stderr, and its last lines output() too.
        Thread errors = new Thread(
                () -> {
                    try (BufferedReader in = new BufferedReader(
                            new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = in.readLine()) != null) {
                            System.err.println(line);
                            remember(output, line);
                        }
                    } catch (IOException e) {
                        // the process is gone
                    }
                },
                "server-stderr");
        errors.setDaemon(true);
        errors.start();
        CompletableFuture<Integer> bound = new CompletableFuture<>();
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader in = new BufferedReader(
                            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = in.readLine()) != null) {
                            remember(output, line);
                            Matcher m = URL.matcher(line);
                            if (!bound.isDone() && m.find()) {
                                bound.complete(Integer.parseInt(m.group(1)));
                            }
                        }
                    } catch (IOException e) {
                        bound.completeExceptionally(e);
                    }
                    try {
                        errors.join(1000); // the log's last lines, for the message below
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    bound.completeExceptionally(new IllegalStateException(
                            "server exited before listening; its last output:\n" + lines(output)));
                },
                "server-stdout");
        reader.setDaemon(true);
        reader.start();
        try {
            return new ServerProcess(process, bound.get(60, TimeUnit.SECONDS), output);
        } catch (TimeoutException e) {
            process.destroyForcibly();
            throw new IllegalStateException("server did not listen within 60 s; its last output:\n" + lines(output), e);
        }
    }

    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + port + "/");
    }

    public long pid() {
        return process.pid();
    }

    /** Whether the process runs (a {@link #stop() stopped} one does). */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** The last 200 lines the server wrote (stdout and stderr), for failure messages. */
    public String output() {
        return lines(output);
    }

    /** SIGSTOP: the process freezes (sockets stay open, nothing answers) until {@link #resume()}. */
    public void stop() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** SIGCONT: a {@link #stop() stopped} process goes on. */
    public void resume() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String name) throws IOException, InterruptedException {
        // ProcessHandle sends only SIGTERM and SIGKILL; kill(1) sends any signal.
        String kill = Files.isExecutable(Path.of("/bin/kill")) ? "/bin/kill" : "kill";
        Process k = new ProcessBuilder(kill, "-" + name, String.valueOf(process.pid()))
                .redirectErrorStream(true)
                .start();
        String said = new String(k.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!k.waitFor(10, TimeUnit.SECONDS) || k.exitValue() != 0) {
            throw new IOException("kill -" + name + " " + process.pid() + " failed: " + said);
        }
    }

    private static void remember(Deque<String> output, String line) {
        synchronized (output) {
            if (output.size() == OUTPUT_LINES) {
                output.removeFirst();
            }
            output.addLast(line);
        }
    }

    private static String lines(Deque<String> output) {
        synchronized (output) {
            return String.join("\n", output);
        }
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM: the graceful path; returns the exit code. */
    public int terminate() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("server did not stop within 20 s of SIGTERM");
        }
        return process.exitValue();
    }

    /** Kills the server if it still runs (SIGKILL), waiting up to 10 s for it to go. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
