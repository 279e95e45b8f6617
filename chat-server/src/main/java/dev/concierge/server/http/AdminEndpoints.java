package dev.concierge.server.http;

import dev.concierge.protocol.ErrorCode;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API, on only when an admin token is configured (docs/agents.md): creating, disabling
 * and enabling agents, and finding and erasing visitors (docs/storage.md). Every call needs the
 * admin token as a bearer token; {@link HttpHandler} lists the routes.
 */
final class AdminEndpoints {
    private static final Logger log = LoggerFactory.getLogger(AdminEndpoints.class);

    private final byte[] token;
    private final TeamEndpoints team;
    private final AgentApi agentApi;
    private final VisitorAdminApi visitorAdmin;
    private final BlockingWork blocking;

    AdminEndpoints(
            String token, TeamEndpoints team, AgentApi agentApi, VisitorAdminApi visitorAdmin, BlockingWork blocking) {
        this.token = token.getBytes(StandardCharsets.UTF_8);
        this.team = team;
        this.agentApi = agentApi;
        this.visitorAdmin = visitorAdmin;
        this.blocking = blocking;
    }

    /** The guard of {@code /api/admin/}: 401 without the admin token (compared in constant time). */
    boolean refused(Exchange ex) {
        byte[] given = ex.bearer().orElse("").getBytes(StandardCharsets.UTF_8);
        if (MessageDigest.isEqual(token, given)) {
            return false;
        }
        log.warn("{}: admin API call with a missing or wrong token", ex.channelId());
        ex.error(HttpResponseStatus.UNAUTHORIZED, ErrorCode.UNAUTHORIZED);
        return true;
    }

    /** {@code POST /api/admin/agents}: hashes the password, so on the sign-in lane. */
    void createAgent(Exchange ex) {
        String body = ex.body();
        ex.offloadJson(
                blocking.logins(),
                () -> agentApi.createAgent(
                        body,
                        account -> Map.of(
                                "agent",
                                Map.of(
                                        "id",
                                        account.id(),
                                        "name",
                                        account.name(),
                                        "departments",
                                        account.departments()))));
    }

    /** {@code POST /api/admin/agents/{id}/enable}. */
    void enable(Exchange ex) {
        if (team.enable(ex.variable())) {
            ex.json(HttpResponseStatus.OK, Map.of("status", "enabled"));
        } else {
            HttpRoutes.notFound(ex);
        }
    }

    /** {@code POST /api/admin/agents/{id}/disable}: ends the agent's sessions and closes their sockets. */
    void disable(Exchange ex) {
        Optional<Integer> closed = team.disable(ex.variable());
        if (closed.isEmpty()) {
            HttpRoutes.notFound(ex);
            return;
        }
        ex.json(HttpResponseStatus.OK, Map.of("status", "disabled", "socketsClosed", closed.get()));
    }

    /** {@code GET /api/admin/visitors?conversation=|email=|site=&user=}: visitor ids. */
    void findVisitors(Exchange ex) {
        String conversation = ex.param("conversation").orElse(null);
        String email = ex.param("email").orElse(null);
        String site = ex.param("site").orElse(null);
        String user = ex.param("user").orElse(null);
        ex.offloadJson(blocking.exports(), () -> visitorAdmin.find(conversation, email, site, user));
    }

    /** {@code POST /api/admin/visitors/{id}/erase}. */
    void erase(Exchange ex) {
        String visitorId = ex.variable();
        ex.offloadJson(blocking.exports(), () -> visitorAdmin.erase(visitorId));
    }
}
