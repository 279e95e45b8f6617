package dev.concierge.server.transport;

import dev.concierge.protocol.AgentInfo;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ProtocolCodec;
import dev.concierge.protocol.wire.ServerMessage;
import dev.concierge.server.auth.AgentAuth;
import dev.concierge.server.routing.ChatCore;
import dev.concierge.server.support.LogSafe;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pipeline stage a socket's decoded messages go through until its {@code hello} passes: the
 * one place that checks the protocol version (and records it on the session), the page's origin
 * for the site, the site, and an agent's session token. A passing hello goes to the
 * {@link ChatCore}, which works out who the socket is, and the gate leaves the pipeline. A
 * socket that has not said hello in time is closed (1008 "hello timeout").
 */
final class HelloGate extends SimpleChannelInboundHandler<ClientMessage> {
    private static final Logger log = LoggerFactory.getLogger(HelloGate.class);

    static final String UNSUPPORTED_VERSION =
            "This server speaks protocol versions " + ProtocolCodec.MIN_VERSION + " to " + ProtocolCodec.VERSION + ".";

    /** The message of the {@code unauthorized} error for an agent whose session is not valid. */
    static final String SIGN_IN_AGAIN = "Sign in again.";

    private final WebSocketSessionHandler decoder;
    private final ChannelSession session;
    private final Role role;
    private final ChatCore core;
    private final AgentAuth auth;
    private final AgentSockets agentSockets;
    private final OriginCheck origins;
    private final Duration timeout;
    private ScheduledFuture<?> deadline;

    HelloGate(
            WebSocketSessionHandler decoder,
            ChannelSession session,
            Role role,
            ChatCore core,
            AgentAuth auth,
            AgentSockets agentSockets,
            OriginCheck origins,
            Duration timeout) {
        this.decoder = decoder;
        this.session = session;
        this.role = role;
        this.core = core;
        this.auth = auth;
        this.agentSockets = agentSockets;
        this.origins = origins;
        this.timeout = timeout;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        deadline = ctx.executor().schedule(this::timedOut, timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        deadline.cancel(false);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        deadline.cancel(false);
        super.channelInactive(ctx);
    }

    /** An error in the hello checks closes the socket as any error on it does. */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        decoder.exceptionCaught(ctx, cause);
    }

    /**
     * Answering pings would otherwise keep a socket that never joins any conversation open for
     * ever.
     */
    private void timedOut() {
        if (decoder.closing() || !session.channel().isActive()) {
            return;
        }
        log.warn("{}: no hello within {} s, closing", session, timeout.toSeconds());
        decoder.close();
        session.close(WebSocketCloseStatus.POLICY_VIOLATION.code(), "hello timeout");
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, ClientMessage message) {
        if (!(message instanceof ClientMessage.Hello hello)) {
            session.send(ServerMessage.Error.of(ErrorCode.HELLO_REQUIRED, ChatCore.HELLO_FIRST, message.id()));
            return;
        }
        if (!ProtocolCodec.supported(hello.version())) {
            session.send(ServerMessage.Error.of(ErrorCode.UNSUPPORTED_VERSION, UNSUPPORTED_VERSION, hello.id()));
            return;
        }
        if (!origins.allowedForSite(Optional.ofNullable(session.channelAttr(OriginCheck.ORIGIN)), hello.site())) {
            log.warn("{}: hello for a site from an origin it does not allow", session);
            refuse(ErrorCode.FORBIDDEN_ORIGIN, "This page may not chat for that site.", hello, "forbidden origin");
            return;
        }
        if (role == Role.VISITOR && hello.site() != null && !core.hasSite(hello.site())) {
            log.warn("{}: hello for a site that is not configured (site {})", session, LogSafe.text(hello.site()));
            refuse(ErrorCode.UNKNOWN_SITE, "site: no such site is configured on this server.", hello, "unknown site");
            return;
        }
        if (role == Role.AGENT) {
            Optional<AgentInfo> agent = auth.agentFor(hello.token());
            if (agent.isEmpty()) {
                log.warn("{}: agent hello with a missing or invalid token", session);
                refuse(ErrorCode.UNAUTHORIZED, SIGN_IN_AGAIN, hello, ErrorCode.UNAUTHORIZED.wire());
                return;
            }
            passed(ctx, hello, hello.token());
            agentSockets.register(hello.token(), session.channel());
            core.agentHello(session, agent.get(), hello);
        } else {
            passed(ctx, hello, null);
            core.visitorHello(session, hello);
        }
    }

    /** The hello passed: the session speaks its version from now on, and the gate leaves. */
    private void passed(ChannelHandlerContext ctx, ClientMessage.Hello hello, String agentToken) {
        session.version(hello.version());
        decoder.helloPassed(agentToken);
        ctx.pipeline().remove(this);
    }

    private void refuse(ErrorCode code, String message, ClientMessage.Hello hello, String closeReason) {
        session.send(ServerMessage.Error.of(code, message, hello.id()));
        session.close(WebSocketCloseStatus.POLICY_VIOLATION.code(), closeReason);
    }
}
