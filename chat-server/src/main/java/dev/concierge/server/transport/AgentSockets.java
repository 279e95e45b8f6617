package dev.concierge.server.transport;

import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.wire.ServerMessage;
import dev.concierge.server.http.SignedInSockets;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The open agent sockets per session token, so that signing out or disabling an agent closes
 * their sockets at once. Sockets register after a successful agent {@code hello} and leave when
 * they close.
 */
final class AgentSockets implements SignedInSockets {
    private final Map<String, Set<Channel>> byToken = new ConcurrentHashMap<>();

    void register(String token, Channel channel) {
        byToken.computeIfAbsent(token, t -> ConcurrentHashMap.newKeySet()).add(channel);
        channel.closeFuture()
                .addListener(f -> byToken.computeIfPresent(token, (t, set) -> {
                    set.remove(channel);
                    return set.isEmpty() ? null : set;
                }));
    }

    @Override
    public int closeAll(Collection<String> tokens) {
        int closed = 0;
        for (String token : tokens) {
            Set<Channel> channels = byToken.remove(token);
            if (channels == null) {
                continue;
            }
            for (Channel channel : channels) {
                ChannelSession session = new ChannelSession(channel);
                session.send(ServerMessage.Error.of(ErrorCode.UNAUTHORIZED, "Signed out.", null));
                session.close(WebSocketCloseStatus.POLICY_VIOLATION.code(), "signed out");
                closed++;
            }
        }
        return closed;
    }
}
