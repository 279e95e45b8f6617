package dev.concierge.server.transport;

import dev.concierge.protocol.ClientMessage;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.ProtocolCodec;
import dev.concierge.protocol.ProtocolException;
import dev.concierge.protocol.ServerMessage;
import dev.concierge.protocol.Values.AgentInfo;
import dev.concierge.protocol.Values.Role;
import dev.concierge.server.auth.AgentAuth;
import dev.concierge.server.routing.Router;
import dev.concierge.server.support.LogSafe;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
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
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One per WebSocket: decodes frames into protocol messages, answers bad ones with an
 * {@code error} frame, authenticates the {@code hello}, and hands the rest to the router.
 */
public final class WebSocketSessionHandler extends SimpleChannelInboundHandler<WebSocketFrame> {
    private static final Logger log = LoggerFactory.getLogger(WebSocketSessionHandler.class);

    private final ProtocolCodec codec;
    private final Router router;
    private final AgentAuth auth;
    private ChannelSession session;
    private Role role;
    private boolean helloDone;
    private final ChannelGroup sockets;
    private final RateLimiter.Bucket tokens;
    private final AgentSockets agentSockets;
    private final OriginCheck origins;
    private String agentToken;
    private boolean closing;
    private final java.time.Duration helloTimeout;
    private io.netty.util.concurrent.ScheduledFuture<?> helloDeadline;

    WebSocketSessionHandler(
            ProtocolCodec codec,
            Router router,
            AgentAuth auth,
            ChannelGroup sockets,
            RateLimiter rateLimiter,
            AgentSockets agentSockets,
            OriginCheck origins,
            java.time.Duration helloTimeout) {
        this.helloTimeout = helloTimeout;
        this.sockets = sockets;
        this.tokens = rateLimiter.bucket();
        this.agentSockets = agentSockets;
        this.origins = origins;
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
            dropHttpHandlers(ctx.pipeline());
            if (role == null) {
                log.warn("{}: WebSocket on unknown path, closing", session);
                session.close(WebSocketCloseStatus.POLICY_VIOLATION.code(), "unknown endpoint");
                return;
            }
            log.info(
                    "{}: {} socket open from {}",
                    session,
                    role.name().toLowerCase(),
                    ctx.channel().remoteAddress());
            helloDeadline = ctx.executor()
                    .schedule(this::helloTimedOut, helloTimeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
        }
        super.userEventTriggered(ctx, evt);
    }

    /**
     * The handlers that only serve HTTP requests (the handshake's deadline and origin check, the
     * insights and HTTP routes) leave the pipeline once it is a WebSocket: every frame in went
     * through them for nothing, and they held a context each, a handler and the deadline's timer
     * per socket (an idle visitor's heap went from 4.5 to 4.1 KiB with them gone).
     */
    public static final java.util.List<String> HTTP_ONLY = java.util.List.of(
            ServerInitializer.REQUEST_DEADLINE,
            ServerInitializer.ORIGIN,
            ServerInitializer.INSIGHTS,
            ServerInitializer.HTTP);

    private static void dropHttpHandlers(io.netty.channel.ChannelPipeline pipeline) {
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
            log.warn("{}: message flood, closing", session);
            closing = true; // what the flooder still sends is read and dropped (see channelRead0)
            session.closeWhileReceiving(WebSocketCloseStatus.POLICY_VIOLATION.code(), "message flood");
            return;
        }
        ClientMessage message;
        try {
            io.netty.buffer.ByteBuf content = text.content();
            message = content.hasArray()
                    ? codec.decodeClient(
                            content.array(), content.arrayOffset() + content.readerIndex(), content.readableBytes())
                    : codec.decodeClient(io.netty.buffer.ByteBufUtil.getBytes(content), 0, content.readableBytes());
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
        if (!helloDone) {
            hello(message);
        } else if (role == Role.AGENT && auth.agentFor(agentToken).isEmpty()) {
            log.warn("{}: agent session token no longer valid, closing", session);
            closing = true;
            session.send(ServerMessage.Error.of(ErrorCode.UNAUTHORIZED, Router.SIGN_IN_AGAIN, message.id()));
            session.close(WebSocketCloseStatus.POLICY_VIOLATION.code(), "unauthorized");
        } else {
            router.request(session, role, message);
        }
    }

    /**
     * A socket that has not said hello in time is closed (1008 "hello timeout"): answering pings
     * would otherwise keep a socket that never joins any conversation open for ever.
     */
    private void helloTimedOut() {
        if (helloDone || closing || !session.channel().isActive()) {
            return;
        }
        log.warn("{}: no hello within {} s, closing", session, helloTimeout.toSeconds());
        closing = true;
        session.close(WebSocketCloseStatus.POLICY_VIOLATION.code(), "hello timeout");
    }

    private void helloSaid() {
        helloDone = true;
        if (helloDeadline != null) {
            helloDeadline.cancel(false);
            helloDeadline = null;
        }
    }

    private static final String RATE_LIMITED = "Too many messages; this one was not processed. Slow down.";

    private void hello(ClientMessage message) {
        if (!(message instanceof ClientMessage.Hello hello)) {
            session.send(ServerMessage.Error.of(ErrorCode.HELLO_REQUIRED, Router.HELLO_FIRST, message.id()));
            return;
        }
        if (!ProtocolCodec.supported(hello.version())) {
            session.send(ServerMessage.Error.of(ErrorCode.UNSUPPORTED_VERSION, Router.UNSUPPORTED_VERSION, hello.id()));
            return;
        }
        if (!origins.allowedForSite(Optional.ofNullable(session.channelAttr(OriginCheck.ORIGIN)), hello.site())) {
            log.warn("{}: hello for a site from an origin it does not allow", session);
            session.send(ServerMessage.Error.of(
                    ErrorCode.FORBIDDEN_ORIGIN, "This page may not chat for that site.", hello.id()));
            session.close(WebSocketCloseStatus.POLICY_VIOLATION.code(), "forbidden origin");
            return;
        }
        if (role == Role.VISITOR && hello.site() != null && !router.sites.containsKey(hello.site())) {
            log.warn("{}: hello for a site that is not configured (site {})", session, LogSafe.text(hello.site()));
            session.send(ServerMessage.Error.of(
                    ErrorCode.UNKNOWN_SITE, "site: no such site is configured on this server.", hello.id()));
            session.close(WebSocketCloseStatus.POLICY_VIOLATION.code(), "unknown site");
            return;
        }
        if (role == Role.AGENT) {
            Optional<AgentInfo> agent = auth.agentFor(hello.token());
            if (agent.isEmpty()) {
                log.warn("{}: agent hello with a missing or invalid token", session);
                session.send(ServerMessage.Error.of(ErrorCode.UNAUTHORIZED, Router.SIGN_IN_AGAIN, hello.id()));
                session.close(WebSocketCloseStatus.POLICY_VIOLATION.code(), "unauthorized");
                return;
            }
            helloSaid();
            agentToken = hello.token();
            agentSockets.register(agentToken, session.channel());
            router.agentHello(session, agent.get(), hello);
        } else {
            helloSaid();
            router.visitorHello(session, hello);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (helloDeadline != null) {
            helloDeadline.cancel(false);
        }
        if (session != null) {
            log.info("{}: socket closed", session);
            router.disconnected(session);
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof java.nio.channels.ClosedChannelException
                || !ctx.channel().isActive()) {
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
