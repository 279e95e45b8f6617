package dev.concierge.server.auth;

import dev.concierge.server.ChatServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Limits and access rules for hostile clients, built by {@link ChatServer.Builder}; see
 * {@code docs/security.md} for the threat each one answers.
 *
 * @param maxMessageBytes   largest aggregated WebSocket message (continuation frames included)
 * @param maxHeaderBytes    largest HTTP header block of a request or handshake
 * @param requestTimeout    time a connection has to deliver a complete HTTP request (slowloris)
 * @param pingAfter         a WebSocket that has sent nothing this long gets a ping
 * @param idleCloseAfter    a WebSocket that has sent nothing (not even a pong) this long is closed
 * @param maxConnectionsPerIp open connections allowed from one remote address
 * @param maxConnections    open connections allowed in all
 * @param helloTimeout      a WebSocket that has not said {@code hello} this long after its handshake is closed
 * @param messagesPerSecond sustained messages per second per connection
 * @param messageBurst      messages a connection may send at once before the rate applies
 * @param floodCloseAfter   a connection flooding at ten times the rate this long is closed (1008)
 * @param writeLowWater     write buffer low water mark (bytes)
 * @param writeHighWater    write buffer high water mark (bytes): above it the channel is unwritable
 * @param maxPendingWriteBytes a connection with more unsent bytes than this is closed
 * @param unwritableTimeout an unwritable connection that writes nothing to its peer this long is closed
 * @param allowAnyOrigin    accept WebSocket handshakes from any {@code Origin} (demo only)
 * @param allowedOrigins    origins accepted for every site
 * @param siteOrigins       origins accepted per site (the {@code site} of the {@code hello})
 * @param adminToken        bearer token of the admin API; without one the admin API is off
 * @param trustedProxies    load balancers (IP addresses and CIDR blocks) whose connections start
 *                          with a PROXY protocol header naming the client; empty: none
 */
public record SecurityConfig(
        int maxMessageBytes,
        int maxHeaderBytes,
        Duration requestTimeout,
        Duration pingAfter,
        Duration idleCloseAfter,
        int maxConnectionsPerIp,
        int maxConnections,
        Duration helloTimeout,
        int messagesPerSecond,
        int messageBurst,
        Duration floodCloseAfter,
        int writeLowWater,
        int writeHighWater,
        int maxPendingWriteBytes,
        Duration unwritableTimeout,
        boolean allowAnyOrigin,
        List<String> allowedOrigins,
        Map<String, List<String>> siteOrigins,
        Optional<String> adminToken,
        List<String> trustedProxies) {}
