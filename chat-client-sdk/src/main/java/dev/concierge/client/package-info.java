/**
 * The Java client SDK of Concierge: {@link dev.concierge.client.VisitorClient} for a visitor's
 * chat and {@link dev.concierge.client.AgentClient} for agents, bots and integrations. Both
 * speak the WebSocket protocol of {@code docs/protocol.md} over the JDK's own HTTP client, and
 * reconnect, resume and resend on their own, each request within a deadline.
 *
 * <p>The public API: the two clients, their builders and listeners; the results and pushes they
 * give (records such as {@link dev.concierge.client.Stored}, {@link dev.concierge.client.Answer},
 * {@link dev.concierge.client.Assignment}); {@link dev.concierge.client.RequestOptions}; and
 * {@link dev.concierge.client.ConciergeClientException} with its subclasses. Its domain types
 * (transcript events, the visitor's context, error codes) are those of {@code dev.concierge.protocol};
 * the wire frames are not part of it. Everything else is package-private.
 */
package dev.concierge.client;
