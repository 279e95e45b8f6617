package demo.app;

import dev.concierge.client.Stored;
import dev.concierge.client.VisitorClient;
import java.net.URI;

/**
 * Connects a visitor to the server given as the argument, sends one message and prints what it
 * completed with: the conversation and the message's {@code seq}.
 */
public final class Main {
    public static void main(String[] args) {
        var client = VisitorClient.builder().serverUri(URI.create(args[0])).connect().join();
        try {
            Stored stored = client.send("Hello from a named module").join();
            System.out.println("module " + VisitorClient.class.getModule().getName() + " in "
                    + Main.class.getModule().getName());
            System.out.println("stored seq " + stored.seq() + " in " + stored.conversationId());
        } finally {
            client.close();
        }
    }
}
