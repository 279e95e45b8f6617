package dev.concierge.examples;

import dev.concierge.client.AgentClient;
import dev.concierge.client.AgentListener;
import dev.concierge.client.Assignment;
import dev.concierge.protocol.HandoffPackage;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.VisitorContext;
import dev.concierge.protocol.VisitorInfo;
import java.net.URI;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An agent who signs in, takes the next conversation handed over to them, shows who the visitor
 * is and what they said to the bot, replies, closes the conversation as resolved and exits.
 *
 * <pre>
 * java -cp examples/target/concierge-examples.jar dev.concierge.examples.AgentExample [http://127.0.0.1:8080]
 * </pre>
 */
public final class AgentExample {
    private AgentExample() {}

    /** Runs against the server URL in {@code args[0]}, default {@code http://127.0.0.1:8080}. */
    public static void main(String[] args) throws Exception {
        URI server = URI.create(args.length > 0 ? args[0] : "http://127.0.0.1:8080");
        AtomicBoolean taken = new AtomicBoolean();
        // Completed with the conversation's id once it is closed; main waits for it, bounded.
        CompletableFuture<String> handled = new CompletableFuture<>();

        AgentClient agent = AgentClient.builder()
                .serverUri(server)
                .credentials("demo", "demo-password") // the demo agent of `./concierge serve`
                .listener(new AgentListener() {
                    @Override
                    public void onAssigned(AgentClient client, Assignment assignment) {
                        if (assignment.resumed()) {
                            // Already this agent's before we connected (also called on connect).
                            System.out.println("Left as it is: " + assignment.conversationId());
                            return;
                        }
                        if (!taken.compareAndSet(false, true)) {
                            return; // this example handles one conversation
                        }
                        HandoffPackage handoff = assignment.handoff();
                        show(handoff);
                        String id = assignment.conversationId();
                        client.send(id, "Hello " + handoff.visitor().name() + ", your order left today.")
                                .thenCompose(stored -> client.closeConversation(id, "resolved"))
                                .whenComplete((stored, failure) -> {
                                    if (failure != null) {
                                        handled.completeExceptionally(failure);
                                    } else {
                                        handled.complete(id);
                                    }
                                });
                    }
                })
                .connect()
                .get(15, TimeUnit.SECONDS);
        try {
            System.out.println("Signed in as " + agent.agent().name() + "; waiting for a visitor.");
            String id = handled.get(5, TimeUnit.MINUTES);
            System.out.println("Replied to and closed " + id + " as resolved.");
        } catch (TimeoutException e) {
            System.out.println("No visitor within 5 minutes.");
        } finally {
            agent.close();
        }
    }

    /** Who the visitor is, where, and the whole transcript (the bot's turns too). */
    private static void show(HandoffPackage handoff) {
        VisitorInfo visitor = handoff.visitor();
        System.out.println("Visitor: " + visitor.name() + " <" + visitor.email() + ">");
        VisitorContext context = handoff.context();
        if (context != null && context.page() != null) {
            System.out.println("Page: " + context.page().url());
        }
        if (context != null) {
            System.out.println("Attributes: " + context.attributes());
        }
        System.out.println("Transcript:");
        for (TranscriptEvent event : handoff.transcript()) {
            String who = event.author().role().toString().toLowerCase(Locale.ROOT);
            String text = event.text() != null ? event.text() : event.kind().toString();
            System.out.println("  [" + who + "] " + text);
        }
    }
}
