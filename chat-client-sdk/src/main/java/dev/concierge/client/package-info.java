/**
 * The Java client SDK of Concierge: {@link dev.concierge.client.VisitorClient} for a visitor's
 * chat and {@link dev.concierge.client.AgentClient} for agents, bots and integrations. Both
 * speak the WebSocket protocol of {@code docs/protocol.md} over the JDK's own HTTP client, and
 * reconnect, resume and resend on their own. Everything but the public interfaces, their
 * listeners and {@link dev.concierge.client.ConciergeClientException} is package-private.
 */
package dev.concierge.client;
