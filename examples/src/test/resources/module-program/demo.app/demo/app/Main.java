package demo.app;

import dev.concierge.client.VisitorClient;
import java.net.URI;

/**
 * Connects a visitor to the server given as the argument, sends one message and prints what it
 * completed with: a record naming the conversation and the message's {@code seq}.
 */
public final class Main {
    public static void main(String[] args) {
        var client = VisitorClient.builder().serverUri(URI.create(args[0])).connect().join();
        try {
            // Printed through Object: only the record's toString is used, whatever the result type.
            Object stored = client.send("Hello from a named module").join();
            System.out.println("module " + VisitorClient.class.getModule().getName() + " in "
                    + Main.class.getModule().getName());
            System.out.println("stored " + stored);
        } finally {
            client.close();
        }
    }
}
