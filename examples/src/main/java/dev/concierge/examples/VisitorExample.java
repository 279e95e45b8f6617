package dev.concierge.examples;

import dev.concierge.client.Answer;
import dev.concierge.client.QueueStatus;
import dev.concierge.client.VisitorClient;
import dev.concierge.client.VisitorListener;
import dev.concierge.protocol.Page;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.VisitorContext;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A visitor who asks the FAQ bot a question, then asks for a person and waits for the agent's
 * reply and the close. Start {@link AgentExample} (or sign in to the agent console) first.
 *
 * <pre>
 * java -cp examples/target/concierge-examples.jar dev.concierge.examples.VisitorExample [http://127.0.0.1:8080]
 * </pre>
 */
public final class VisitorExample {
    private VisitorExample() {}

    /** Runs against the server URL in {@code args[0]}, default {@code http://127.0.0.1:8080}. */
    public static void main(String[] args) throws Exception {
        URI server = URI.create(args.length > 0 ? args[0] : "http://127.0.0.1:8080");
        // Completed by the listener; main waits for them, bounded.
        CompletableFuture<TranscriptEvent> agentReply = new CompletableFuture<>();
        CompletableFuture<TranscriptEvent> closed = new CompletableFuture<>();

        VisitorContext context = VisitorContext.builder()
                .name("Ada Lovelace")
                .email("ada@example.com")
                .page(new Page("https://shop.example.com/orders/1234", "Order 1234", null))
                .attribute("plan", "premium")
                .build();
        VisitorClient client = VisitorClient.builder()
                .serverUri(server)
                .context(context)
                .listener(new VisitorListener() {
                    @Override
                    public void onEvent(VisitorClient client, String conversationId, TranscriptEvent event) {
                        if (event.kind() == TranscriptEvent.Kind.MESSAGE
                                && event.author().role() == Role.AGENT) {
                            agentReply.complete(event);
                        } else if (event.kind() == TranscriptEvent.Kind.CLOSED) {
                            closed.complete(event);
                        }
                    }

                    @Override
                    public void onQueueStatus(VisitorClient client, QueueStatus status) {
                        System.out.println("Waiting for a person: position " + status.position());
                    }
                })
                .connect()
                .get(15, TimeUnit.SECONDS);
        try {
            Answer answer = client.ask("Where is my order?").get(30, TimeUnit.SECONDS);
            if (answer instanceof Answer.BotReply reply) {
                System.out.println("Bot: " + reply.text());
            } else if (answer instanceof Answer.Handoff) {
                System.out.println("The bot handed the question to a person.");
            } else if (answer instanceof Answer.ForAgent) {
                System.out.println("A person will answer.");
            }

            client.requestHuman().get(30, TimeUnit.SECONDS);
            System.out.println("Asked for a person.");
            TranscriptEvent reply = agentReply.get(2, TimeUnit.MINUTES);
            System.out.println("Agent " + reply.author().name() + ": " + reply.text());
            TranscriptEvent end = closed.get(1, TimeUnit.MINUTES);
            System.out.println("Closed by " + end.author().role() + ": " + end.reason());
        } catch (TimeoutException e) {
            System.out.println("No answer in time: is an agent signed in?");
        } finally {
            client.close();
        }
    }
}
