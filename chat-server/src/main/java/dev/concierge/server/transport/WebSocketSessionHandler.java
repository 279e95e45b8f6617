package dev.concierge.server.transport;

import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ProtocolCodec;
import dev.concierge.protocol.wire.ProtocolException;
import dev.concierge.protocol.wire.ServerMessage;
import dev.concierge.server.auth.AgentAuth;
import dev.concierge.server.http.ClientAddress;
import dev.concierge.server.routing.ChatCore;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler.HandshakeComplete;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One per WebSocket, the decoding stage: decodes frames into protocol messages, answers bad ones
 * with an {@code error} frame, limits their rate, and hands the rest on: to the {@link HelloGate}
 * until the socket's hello passed, then to the {@link ChatCore}.
 */
public final class WebSocketSessionHandler extends SimpleChannelInboundHandler<WebSocketFrame> {
    private static final Logger log = LoggerFactory.getLogger(WebSocketSessionHandler.class);

    /**
     * The handlers that only serve HTTP requests (the handshake's deadline and origin check, the
     * insights and HTTP routes) leave the pipeline once it is a WebSocket: every frame in went
     * through them for nothing, and they held a context each, a handler and the deadline's timer
     * per socket (an idle visitor's heap went from 4.5 to 4.1 KiB with them gone).
     */
    public static final List<String> HTTP_ONLY =
            List.of(ServerInitializer.REQUEST_DEADLINE, ServerInitializer.ORIGIN, ServerInitializer.HTTP);

    private static final String RATE_LIMITED = "Too many messages; this one was not processed. Slow down.";

    /** The name of the hello gate in the pipeline, right after this stage until the hello passes. */
    static final String HELLO_GATE = "hello-gate";

    private final ProtocolCodec codec;
    private final ChatCore core;
    private final AgentAuth auth;
    private final ChannelGroup sockets;
    private final RateLimiter.Bucket tokens;
    private final AgentSockets agentSockets;
    private final OriginCheck origins;
    private final Duration helloTimeout;
    private ChannelSession session;
    private Role role;
    private boolean helloPassed;
    private String agentToken;
    private boolean closing;

    WebSocketSessionHandler(
            ProtocolCodec codec,
            ChatCore core,
            AgentAuth auth,
            ChannelGroup sockets,
            RateLimiter rateLimiter,
            AgentSockets agentSockets,
            OriginCheck origins,
            Duration helloTimeout) {
        this.helloTimeout = helloTimeout;
        this.sockets = sockets;
        this.tokens = rateLimiter.bucket();
        this.agentSockets = agentSockets;
        this.origins = origins;
        this.codec = codec;
        this.core = core;
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
            dropHttpHandlers(ctx.pipeline());
            if (role == null) {
                log.warn("{}: WebSocket on unknown path, closing", session);
                session.close(WebSocketCloseStatus.POLICY_VIOLATION.code(), "unknown endpoint");
                return;
            }
            log.info(
                    "{}: {} socket open from {}",
                    session,
                    role.name().toLowerCase(Locale.ROOT),
                    ClientAddress.of(ctx.channel()));
            ctx.pipeline()
                    .addAfter(
                            ctx.name(),
                            HELLO_GATE,
                            new HelloGate(this, session, role, core, auth, agentSockets, origins, helloTimeout));
        }
        super.userEventTriggered(ctx, evt);
    }

    /** The socket's hello passed ({@code agentToken}: the agent's session token, null for a visitor). */
    void helloPassed(String agentToken) {
        this.helloPassed = true;
        this.agentToken = agentToken;
    }

    /** Whether the socket is being closed: what it still sends is read and dropped. */
    boolean closing() {
        return closing;
    }

    /** The socket is being closed: drop what it still sends. */
    void close() {
        closing = true;
    }

    private static void dropHttpHandlers(ChannelPipeline pipeline) {
        for (String name : HTTP_ONLY) {
            if (pipeline.get(name) != null) {
                pipeline.remove(name);
            }
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (session == null || role == null || closing) {
            return;
        }
        if (!(frame instanceof TextWebSocketFrame text)) {
            log.warn("{}: non-text frame, closing", session);
            session.close(WebSocketCloseStatus.INVALID_MESSAGE_TYPE.code(), "text frames only");
            return;
        }
        RateLimiter.Verdict verdict = tokens.take();
        if (verdict == RateLimiter.Verdict.CLOSE) {
            log.warn("{}: message flood from {}, closing", session, ClientAddress.host(ctx.channel()));
            closing = true; // what the flooder still sends is read and dropped (see channelRead0)
            session.closeWhileReceiving(WebSocketCloseStatus.POLICY_VIOLATION.code(), "message flood");
            return;
        }
        ClientMessage message;
        try {
            ByteBuf content = text.content();
            message = content.hasArray()
                    ? codec.decodeClient(
                            content.array(), content.arrayOffset() + content.readerIndex(), content.readableBytes())
                    : codec.decodeClient(ByteBufUtil.getBytes(content), 0, content.readableBytes());
        } catch (ProtocolException e) {
            ErrorCode code = verdict == RateLimiter.Verdict.ALLOW ? e.code() : ErrorCode.RATE_LIMITED;
            log.info("{}: rejected frame: {}", session, code.wire());
            session.send(ServerMessage.Error.of(
                    code,
                    verdict == RateLimiter.Verdict.ALLOW ? e.getMessage() : RATE_LIMITED,
                    e.ref().orElse(null)));
            return;
        }
        if (verdict == RateLimiter.Verdict.REJECT) {
            session.send(ServerMessage.Error.of(ErrorCode.RATE_LIMITED, RATE_LIMITED, message.id()));
            return;
        }
        if (!helloPassed) {
            ctx.fireChannelRead(message); // to the hello gate
        } else if (role == Role.AGENT && auth.agentFor(agentToken).isEmpty()) {
            log.warn("{}: agent session token no longer valid, closing", session);
            closing = true;
            session.send(ServerMessage.Error.of(ErrorCode.UNAUTHORIZED, HelloGate.SIGN_IN_AGAIN, message.id()));
            session.close(WebSocketCloseStatus.POLICY_VIOLATION.code(), ErrorCode.UNAUTHORIZED.wire());
        } else {
            core.request(session, role, message);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (session != null) {
            log.info("{}: socket closed", session);
            core.disconnected(session);
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof ClosedChannelException || !ctx.channel().isActive()) {
            return; // already gone: nothing to answer
        }
        closing = true;
        if (cause instanceof TooLongFrameException) {
            log.warn(
                    "{}: message over the size limit, closing",
                    ctx.channel().id().asShortText());
            closeWith(ctx, WebSocketCloseStatus.MESSAGE_TOO_BIG, "message too big");
            return;
        }
        if (cause instanceof CorruptedWebSocketFrameException corrupt) {
            log.warn("{}: protocol violation: {}", ctx.channel().id().asShortText(), corrupt.closeStatus());
            closeWith(ctx, corrupt.closeStatus(), corrupt.closeStatus().reasonText());
            return;
        }
        log.warn("{}: closing after error: {}", ctx.channel().id().asShortText(), cause.toString());
        if (session != null) {
            session.close(WebSocketCloseStatus.INTERNAL_SERVER_ERROR.code(), "server error");
        } else {
            ctx.close();
        }
    }

    private static void closeWith(ChannelHandlerContext ctx, WebSocketCloseStatus status, String reason) {
        if (ctx.channel().isActive()) {
            ctx.channel()
                    .writeAndFlush(new CloseWebSocketFrame(status.code(), reason))
                    .addListener(ChannelFutureListener.CLOSE);
        }
    }
}
