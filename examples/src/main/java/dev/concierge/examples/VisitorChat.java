package dev.concierge.examples;

import dev.concierge.client.ConciergeClientException;
import dev.concierge.client.VisitorClient;
import dev.concierge.client.VisitorListener;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.wire.ServerMessage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
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

    private final List<PendingReply> pendingReplies = new CopyOnWriteArrayList<>();
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
     * Sends {@code question} and completes with the first reply to it: the bot's answer, or the
     * first word from a person or the system once the visitor is handed off.
     */
    public CompletableFuture<TranscriptEvent> ask(String question) {
        return client.send(question).thenCompose(ack -> replyAfter(ack.seq()));
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

    private CompletableFuture<TranscriptEvent> replyAfter(long seq) {
        PendingReply pending = new PendingReply(seq, new CompletableFuture<>());
        pendingReplies.add(pending);
        // The reply may have come before the ack.
        client.transcript().stream().filter(pending::isAnsweredBy).findFirst().ifPresent(pending.reply::complete);
        return pending.reply.whenComplete((event, error) -> pendingReplies.remove(pending));
    }

    /** Disconnects. */
    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
    }

    /** A question waiting for its reply: the first event after it that is not the visitor's. */
    private record PendingReply(long questionSeq, CompletableFuture<TranscriptEvent> reply) {
        boolean isAnsweredBy(TranscriptEvent event) {
            return event.seq() > questionSeq
                    && event.text() != null
                    && event.author() != null
                    && event.author().role() != Role.VISITOR;
        }
    }

    /** Prints what the client reports and hands events to pending questions. */
    private final class Printer implements VisitorListener {
        @Override
        public void onEvent(String conversationId, TranscriptEvent event) {
            out.accept(format(event));
            for (PendingReply pending : pendingReplies) {
                if (pending.isAnsweredBy(event)) {
                    pending.reply.complete(event);
                }
            }
        }

        @Override
        public void onQueueStatus(ServerMessage.QueueStatus status) {
            out.accept("[queue] position " + status.position()
                    + (status.etaSeconds() == null ? ", no agent online" : ", about " + status.etaSeconds() + " s"));
        }

        @Override
        public void onError(ServerMessage.Error error) {
            out.accept("[error] " + error.code() + ": " + error.message());
        }

        @Override
        public void onStateChanged(VisitorClient.State state) {
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
