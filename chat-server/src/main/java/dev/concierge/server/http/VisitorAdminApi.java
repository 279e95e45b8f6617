package dev.concierge.server.http;

import dev.concierge.protocol.ErrorCode;
import dev.concierge.server.routing.Router;
import dev.concierge.server.support.Patterns;
import dev.concierge.store.ConversationStore;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API's calls on visitor data (docs/agents.md, docs/storage.md "Retention and
 * erasure"): finding a visitor's id ({@code GET /api/admin/visitors?conversation=|email=|site=&user=})
 * and erasing everything kept about them ({@code POST /api/admin/visitors/{id}/erase}). Both
 * read or write the store, so they run on the downloads lane of {@link BlockingWork}, never on an event loop.
 * Erasure needs the router: on a cluster node that does not hold it, it is carried out by the
 * deciding node ({@link #forwardTo}), and its answer given as it is.
 */
public final class VisitorAdminApi {
    private static final Logger log = LoggerFactory.getLogger(VisitorAdminApi.class);
    /** The router, where this node holds it (a cluster's deciding node, or a single server). */
    private final Supplier<Optional<Router>> router;

    private final ConversationStore store;

    /** Where erasure runs while this node holds no router. */
    private volatile Elsewhere elsewhere = visitorId -> new Answer(
            HttpResponseStatus.SERVICE_UNAVAILABLE.code(),
            Map.of(
                    "error",
                    ErrorCode.UNAVAILABLE.wire(),
                    "message",
                    "erasure runs on the cluster's deciding node; send it to that node"));

    /** An answer to an admin call: an HTTP status and a JSON body (a map, or a parsed JSON tree). */
    public record Answer(int status, Object body) {}

    /** Erasure carried out on the node that holds the router: a cluster's deciding node. */
    @FunctionalInterface
    public interface Elsewhere {
        /**
         * The answer of the node holding the router to erasing {@code visitorId}, or a 503 saying
         * why none came. Blocking, for a bounded time.
         */
        Answer erase(String visitorId);
    }

    /** The calls on the visitors {@code router} serves and {@code store} keeps. */
    public VisitorAdminApi(Supplier<Optional<Router>> router, ConversationStore store) {
        this.router = router;
        this.store = store;
    }

    /** Where erasure runs while this node holds no router (a cluster node that does not decide). */
    public void forwardTo(Elsewhere elsewhere) {
        this.elsewhere = Objects.requireNonNull(elsewhere, "elsewhere");
    }

    /**
     * The ids of the visitors matching one criterion: {@code conversation} (the visitor of a
     * conversation), {@code email} (visitors whose context holds this address, case-insensitive),
     * or {@code site} with {@code user} (a verified identity). {@code {"visitorIds":[…]}}.
     */
    AgentApi.Reply find(String conversation, String email, String site, String user) {
        int given = (conversation != null ? 1 : 0) + (email != null ? 1 : 0) + (site != null || user != null ? 1 : 0);
        if (given != 1) {
            return bad("give exactly one of conversation, email, or site with user");
        }
        Set<String> ids = new LinkedHashSet<>();
        if (conversation != null) {
            if (!Patterns.ID.matcher(conversation).matches()) {
                return bad("conversation must be 1 to 64 letters, digits, _ or -");
            }
            store.conversation(conversation).ifPresent(c -> ids.add(c.visitorId()));
        } else if (email != null) {
            if (email.isBlank() || email.length() > 320 || !email.contains("@")) {
                return bad("email must be an address of at most 320 characters");
            }
            ids.addAll(store.visitorsByEmail(email.trim()));
        } else {
            if (site == null
                    || user == null
                    || site.isBlank()
                    || user.isBlank()
                    || site.length() > 100
                    || user.length() > 200) {
                return bad("site (at most 100 characters) and user (at most 200) must both be given");
            }
            store.visitorOfUser(site, user).ifPresent(ids::add);
        }
        return new AgentApi.Reply(HttpResponseStatus.OK, Map.of("visitorIds", List.copyOf(ids)));
    }

    /**
     * Erases a visitor: {@code {"status":"erased","visitorId","conversations":n}}, 404 when
     * nothing is known of them.
     */
    AgentApi.Reply erase(String visitorId) {
        if (visitorId == null || !Patterns.ID.matcher(visitorId).matches()) {
            return bad("visitor id must be 1 to 64 letters, digits, _ or -");
        }
        Optional<Router> local = router.get();
        if (local.isPresent()) {
            return erase(local.get(), visitorId);
        }
        Answer there = elsewhere.erase(visitorId);
        return new AgentApi.Reply(HttpResponseStatus.valueOf(there.status()), there.body());
    }

    /**
     * Erases a visitor for another node's call, as {@link #erase} answers it; a 503 if this node
     * no longer holds the router (never passed on again). Blocking.
     */
    public Answer eraseHere(String visitorId) {
        AgentApi.Reply reply;
        if (visitorId == null || !Patterns.ID.matcher(visitorId).matches()) {
            reply = bad("visitor id must be 1 to 64 letters, digits, _ or -");
        } else {
            reply = router.get()
                    .map(local -> erase(local, visitorId))
                    .orElseGet(() -> new AgentApi.Reply(
                            HttpResponseStatus.SERVICE_UNAVAILABLE,
                            Map.of(
                                    "error",
                                    ErrorCode.UNAVAILABLE.wire(),
                                    "message",
                                    "this node stopped deciding; retry shortly")));
        }
        return new Answer(reply.status().code(), reply.body());
    }

    private AgentApi.Reply erase(Router local, String visitorId) {
        boolean live = local.holdsVisitor(visitorId);
        if (!live
                && store.visitor(visitorId).isEmpty()
                && store.conversationsOf(visitorId).isEmpty()) {
            return new AgentApi.Reply(
                    HttpResponseStatus.NOT_FOUND,
                    Map.of("error", ErrorCode.NOT_FOUND.wire(), "message", "no visitor with this id"));
        }
        ConversationStore.Removed removed = local.erase(visitorId);
        log.info(
                "admin erased visitor {} ({} conversations)",
                visitorId,
                removed.conversations().size());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("status", "erased");
        out.put("visitorId", visitorId);
        out.put("conversations", removed.conversations().size());
        return new AgentApi.Reply(HttpResponseStatus.OK, out);
    }

    private static AgentApi.Reply bad(String message) {
        return new AgentApi.Reply(
                HttpResponseStatus.BAD_REQUEST, Map.of("error", ErrorCode.BAD_REQUEST.wire(), "message", message));
    }
}
