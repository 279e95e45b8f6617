package dev.concierge.server;

import dev.concierge.protocol.ClientMessage;
import dev.concierge.protocol.ProtocolCodec;
import dev.concierge.protocol.ProtocolException;
import dev.concierge.protocol.ServerMessage;
import dev.concierge.protocol.Values.AgentInfo;
import dev.concierge.protocol.Values.Role;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler.HandshakeComplete;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One per WebSocket: decodes frames into protocol messages, answers bad ones with an
 * {@code error} frame, authenticates the {@code hello}, and hands the rest to the router.
 */
final class WebSocketSessionHandler extends SimpleChannelInboundHandler<WebSocketFrame> {
    private static final Logger log = LoggerFactory.getLogger(WebSocketSessionHandler.class);

    private final ProtocolCodec codec;
    private final Router router;
    private final AgentAuth auth;
    private ChannelSession session;
    private Role role;
    private boolean helloDone;
    private final ChannelGroup sockets;

    WebSocketSessionHandler(ProtocolCodec codec, Router router, AgentAuth auth, ChannelGroup sockets) {
        this.sockets = sockets;
        this.codec = codec;
        this.router = router;
        this.auth = auth;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof HandshakeComplete handshake) {
            String path = new QueryStringDecoder(handshake.requestUri()).path();
            role = switch (path) {
                case "/ws/visitor" -> Role.VISITOR;
                case "/ws/agent" -> Role.AGENT;
                default -> null;
            };
            session = new ChannelSession(ctx.channel());
            sockets.add(ctx.channel());
            if (role == null) {
                log.warn("{}: WebSocket on unknown path, closing", session);
                session.close(WebSocketCloseStatus.POLICY_VIOLATION.code(), "unknown endpoint");
                return;
            }
            log.info("{}: {} socket open from {}", session, role.name().toLowerCase(), ctx.channel().remoteAddress());
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (session == null || role == null) {
            return;
        }
        if (!(frame instanceof TextWebSocketFrame text)) {
            log.warn("{}: non-text frame, closing", session);
            session.close(WebSocketCloseStatus.INVALID_MESSAGE_TYPE.code(), "text frames only");
            return;
        }
        ClientMessage message;
        try {
            message = codec.decodeClient(text.text());
        } catch (ProtocolException e) {
            log.info("{}: rejected frame: {}", session, e.code());
            session.send(new ServerMessage.Error(e.code(), e.getMessage(), e.ref().orElse(null)));
            return;
        }
        if (!helloDone) {
            hello(message);
        } else {
            router.request(session, role, message);
        }
    }

    private void hello(ClientMessage message) {
        if (!(message instanceof ClientMessage.Hello hello)) {
            session.send(new ServerMessage.Error("hello_required", "Say hello first.", message.id()));
            return;
        }
        if (hello.version() != ProtocolCodec.VERSION) {
            session.send(new ServerMessage.Error("unsupported_version",
                    "This server speaks protocol version " + ProtocolCodec.VERSION + ".", hello.id()));
            return;
        }
        if (role == Role.AGENT) {
            Optional<AgentInfo> agent = auth.agentFor(hello.token());
            if (agent.isEmpty()) {
                log.warn("{}: agent hello with a missing or invalid token", session);
                session.send(new ServerMessage.Error("unauthorized", "Sign in again.", hello.id()));
                session.close(WebSocketCloseStatus.POLICY_VIOLATION.code(), "unauthorized");
                return;
            }
            helloDone = true;
            router.agentHello(session, agent.get(), hello);
        } else {
            helloDone = true;
            router.visitorHello(session, hello);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (session != null) {
            log.info("{}: socket closed", session);
            router.disconnected(session);
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.warn("{}: closing after error: {}", ctx.channel().id().asShortText(), cause.toString());
        if (session != null) {
            session.close(WebSocketCloseStatus.INTERNAL_SERVER_ERROR.code(), "server error");
        } else {
            ctx.close();
        }
    }
}
