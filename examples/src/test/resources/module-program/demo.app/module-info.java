/** A program that uses the SDK as a named module: only {@code requires dev.concierge.client}. */
module demo.app {
    requires dev.concierge.client;
}
