package dev.concierge.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.server.cluster.ClusterNode;
import dev.concierge.server.cluster.DeciderCalls;
import dev.concierge.server.http.ConversationWrites;
import dev.concierge.server.http.VisitorAdminApi;
import dev.concierge.server.http.WebhookReloads;
import dev.concierge.server.insights.InsightsApi;
import dev.concierge.server.routing.Router;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What a cluster node asks the deciding node for, and answers while it decides (docs/scaling.md,
 * "Calls to the decider"): erasing a visitor, and the live dashboard's snapshot. Both wait on a
 * lane of blocking work, never on an event loop.
 */
final class ClusterCalls {
    private ClusterCalls() {}

    /**
     * Lets {@code node} answer other nodes' calls while it decides, and sends this node's erasures
     * to the decider while it does not.
     */
    static void wire(
            ClusterNode node,
            VisitorAdminApi admin,
            ConversationWrites writes,
            Supplier<Optional<Router>> localRouter,
            ObjectMapper json) {
        node.answerCalls(DeciderCalls.Kind.ERASE_VISITOR, visitorId -> {
            VisitorAdminApi.Answer answer = admin.eraseHere(visitorId);
            return new DeciderCalls.Answer(answer.status(), bytes(json, answer.body()));
        });
        node.answerCalls(DeciderCalls.Kind.DASHBOARD, ignored -> localRouter
                .get()
                .map(router -> new DeciderCalls.Answer(200, bytes(json, RouterSnapshots.dashboard(router))))
                .orElseGet(() -> DeciderCalls.Answer.unavailable("This node stopped deciding; retry shortly.")));
        node.answerCalls(DeciderCalls.Kind.API_WRITE, request -> {
            VisitorAdminApi.Answer answer = writes.writeHere(request);
            return new DeciderCalls.Answer(answer.status(), bytes(json, answer.body()));
        });
        writes.forwardTo(request -> node.callDecider(DeciderCalls.Kind.API_WRITE, request)
                .thenApply(answer -> new VisitorAdminApi.Answer(answer.status(), tree(json, answer))));
        admin.forwardTo(visitorId -> {
            DeciderCalls.Answer answer =
                    node.callDecider(DeciderCalls.Kind.ERASE_VISITOR, visitorId).join();
            return new VisitorAdminApi.Answer(answer.status(), tree(json, answer));
        });
    }

    /**
     * Lets {@code node} reload its router's webhook endpoints for other nodes while it decides,
     * and sends this node's reloads to the decider while it does not.
     */
    static void wireWebhookReloads(ClusterNode node, WebhookReloads reloads) {
        node.answerCalls(
                DeciderCalls.Kind.WEBHOOKS_RELOAD,
                ignored -> reloads.reloadHere().join()
                        ? new DeciderCalls.Answer(200, "{}".getBytes(StandardCharsets.UTF_8))
                        : DeciderCalls.Answer.unavailable("This node stopped deciding; retry shortly."));
        reloads.forwardTo(() ->
                node.callDecider(DeciderCalls.Kind.WEBHOOKS_RELOAD, "").thenApply(answer -> answer.status() == 200));
    }

    /** The live dashboard from the deciding node, for a node that does not decide. Blocking, bounded. */
    static InsightsApi.Live dashboard(ClusterNode node, ObjectMapper json) {
        DeciderCalls.Answer answer =
                node.callDecider(DeciderCalls.Kind.DASHBOARD, "").join();
        if (answer.status() != 200) {
            throw new InsightsApi.LiveUnavailable("The live view comes from the cluster's deciding node: "
                    + tree(json, answer).path("message").asText("it answered " + answer.status()));
        }
        try {
            return json.readValue(answer.body(), InsightsApi.Live.class);
        } catch (IOException e) {
            throw new InsightsApi.LiveUnavailable(
                    "The live view comes from the cluster's deciding node, whose answer could not be read.");
        }
    }

    private static byte[] bytes(ObjectMapper json, Object body) {
        try {
            return json.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode tree(ObjectMapper json, DeciderCalls.Answer answer) {
        try {
            return json.readTree(answer.body());
        } catch (IOException e) {
            return json.valueToTree(Map.of(
                    "error", ErrorCode.INTERNAL.wire(), "message", "the deciding node's answer could not be read"));
        }
    }
}
