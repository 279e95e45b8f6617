/**
 * The Concierge Java client SDK: {@link dev.concierge.client.VisitorClient} and
 * {@link dev.concierge.client.AgentClient} over the JDK's WebSocket client. Runs on the class path
 * or, as this module, on the module path with no {@code --add-modules}.
 */
module dev.concierge.client {
    requires transitive dev.concierge.protocol;
    requires transitive java.net.http;
    requires com.fasterxml.jackson.databind;
    requires org.slf4j;

    exports dev.concierge.client;
}
