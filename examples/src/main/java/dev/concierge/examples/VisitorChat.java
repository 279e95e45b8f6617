package dev.concierge.examples;

import dev.concierge.client.Answer;
import dev.concierge.client.ConciergeClientException;
import dev.concierge.client.QueueStatus;
import dev.concierge.client.VisitorClient;
import dev.concierge.client.VisitorListener;
import dev.concierge.protocol.TranscriptEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A visitor chatting from the terminal with a Concierge server through {@link VisitorClient}:
 * asks "Where is my order?", then sends each line typed on standard input ({@code quit} to
 * leave). Every transcript event is printed as {@code [role] text}.
 *
 * <pre>
 * java -jar examples/target/concierge-examples.jar http://127.0.0.1:8080
 * </pre>
 *
 * The methods return what happened ({@link #ask} the reply to a question); {@link #main} only
 * prints.
 */
public final class VisitorChat implements AutoCloseable {
    /** How long to wait for the server to store a message or to answer a question. */
    static final Duration PATIENCE = Duration.ofSeconds(15);

    private final Consumer<String> out;
    private VisitorClient client;

    private VisitorChat(Consumer<String> out) {
        this.out = out;
    }

    /**
     * Connects a new visitor to {@code server}; every event, error and connection change is
     * written to {@code out}, one line each.
     */
    public static CompletableFuture<VisitorChat> connect(URI server, Consumer<String> out) {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(out, "out");
        VisitorChat chat = new VisitorChat(out);
        return VisitorClient.builder()
                .serverUri(server)
                .listener(chat.new Printer())
                .connect()
                .thenApply(client -> {
                    chat.client = client;
                    return chat;
                });
    }

    /** The connected client, for anything this example does not wrap. */
    public VisitorClient client() {
        return client;
    }

    /**
     * Sends {@code question} and completes with what answers it ({@link VisitorClient#ask}): the
     * bot's reply, the handoff to a person that came instead, or word that a person will answer.
     */
    public CompletableFuture<Answer> ask(String question) {
        return client.ask(question);
    }

    /**
     * Sends each line of {@code in} until {@code quit} or the end of input; blank lines are
     * skipped. Replies are printed by the listener as they come.
     *
     * @return how many messages the server stored
     */
    public int converse(BufferedReader in) throws IOException, InterruptedException {
        int stored = 0;
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            String text = line.strip();
            if (text.equalsIgnoreCase("quit")) {
                break;
            }
            if (text.isEmpty()) {
                continue;
            }
            try {
                client.send(text).get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
                stored++;
            } catch (ExecutionException | TimeoutException e) {
                out.accept("[error] not sent: " + e.getCause());
            }
        }
        return stored;
    }

    /** One event as a line: {@code [role] text}. */
    public static String format(TranscriptEvent event) {
        String role =
                event.author() == null ? "?" : event.author().role().name().toLowerCase(Locale.ROOT);
        return "[" + role + "] " + describe(event);
    }

    private static String describe(TranscriptEvent event) {
        if (event.text() != null) {
            return event.text();
        }
        return switch (event.kind()) {
            case CLOSED -> "closed the conversation" + (event.reason() == null ? "" : " (" + event.reason() + ")");
            case RATED -> "rated " + event.score() + "/5" + (event.comment() == null ? "" : ": " + event.comment());
            default -> event.kind().name().toLowerCase(Locale.ROOT);
        };
    }

    /** Disconnects. */
    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
    }

    /** Prints what the client reports. */
    private final class Printer implements VisitorListener {
        @Override
        public void onEvent(VisitorClient client, String conversationId, TranscriptEvent event) {
            out.accept(format(event));
        }

        @Override
        public void onQueueStatus(VisitorClient client, QueueStatus status) {
            out.accept("[queue] position " + status.position()
                    + status.estimatedWait()
                            .map(wait -> ", about " + wait.toSeconds() + " s")
                            .orElse(", no agent online"));
        }

        @Override
        public void onError(VisitorClient client, ConciergeClientException error) {
            out.accept("[error] " + error.getMessage());
        }

        @Override
        public void onStateChanged(VisitorClient client, VisitorClient.State state) {
            if (state == VisitorClient.State.RECONNECTING) {
                out.accept("[connection] lost; reconnecting");
            }
        }
    }

    /** Runs the chat against the server URL in {@code args[0]} (default {@code http://127.0.0.1:8080}). */
    public static void main(String[] args) throws Exception {
        URI server = URI.create(args.length > 0 ? args[0] : "http://127.0.0.1:8080");
        try (VisitorChat chat = connect(server, System.out::println).get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)) {
            System.out.println(
                    "Connected to " + server + " as visitor " + chat.client().visitorId());
            chat.ask("Where is my order?").get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            System.out.println("Type a question (\"quit\" to leave):");
            chat.converse(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ConciergeClientException failure) {
                System.err.println("Cannot chat (" + failure.getClass().getSimpleName() + "): " + failure.getMessage());
                System.exit(1);
            }
            throw e;
        }
    }
}
