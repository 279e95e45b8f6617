package dev.concierge.server.transport;

import dev.concierge.protocol.wire.ProtocolCodec;
import dev.concierge.protocol.wire.ServerMessage;
import dev.concierge.server.routing.SharedFrame;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.util.List;

/**
 * Encodes server messages as JSON text frames, straight to UTF-8 bytes, on the channel's own event
 * loop; a {@link SharedFrame} is encoded once for all the sockets it goes to.
 */
@ChannelHandler.Sharable
final class ServerMessageEncoder extends MessageToMessageEncoder<Object> {
    private final ProtocolCodec codec;

    ServerMessageEncoder(ProtocolCodec codec) {
        this.codec = codec;
    }

    @Override
    public boolean acceptOutboundMessage(Object msg) {
        return msg instanceof ServerMessage || msg instanceof SharedFrame;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Object msg, List<Object> out) {
        byte[] bytes = msg instanceof SharedFrame shared ? shared.bytes(codec) : codec.encodeBytes(msg);
        out.add(new TextWebSocketFrame(Unpooled.wrappedBuffer(bytes)));
    }
}
