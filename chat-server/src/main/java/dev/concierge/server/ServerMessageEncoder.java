package dev.concierge.server;

import dev.concierge.protocol.ProtocolCodec;
import dev.concierge.protocol.ServerMessage;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.util.List;

/** Encodes server messages as JSON text frames, on the channel's own event loop. */
@ChannelHandler.Sharable
final class ServerMessageEncoder extends MessageToMessageEncoder<ServerMessage> {
    private final ProtocolCodec codec;

    ServerMessageEncoder(ProtocolCodec codec) {
        this.codec = codec;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, ServerMessage msg, List<Object> out) {
        out.add(new TextWebSocketFrame(codec.encode(msg)));
    }
}
