package dev.concierge.server.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The webhook half of the REST API ({@code /api/v1/webhooks}, {@code /api/v1/webhook-deliveries}),
 * called over HTTP with a bearer credential, as a receiver's operator would.
 */
public final class WebhookApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** A status and its JSON body ({@code null} node for an empty body). */
    public record Reply(int status, JsonNode json) {}

    private final URI base;
    private final String bearer;

    /** The API of the server at {@code base} ({@code http://host:port/}), called with {@code bearer}. */
    public WebhookApi(URI base, String bearer) {
        this.base = base;
        this.bearer = bearer;
    }

    /** POSTs a create call; the answer as it came. */
    public Reply tryCreate(String site, URI url, List<String> eventTypes) {
        ObjectNode body = JSON.createObjectNode()
                .put("site", site)
                .put("url", url.toString())
                .put("description", "test receiver");
        eventTypes.forEach(body.putArray("eventTypes")::add);
        return call("POST", "/api/v1/webhooks", body.toString());
    }

    /** Creates an endpoint (201 expected) and returns its representation, with its {@code secret}. */
    public JsonNode create(String site, URI url, List<String> eventTypes) {
        Reply reply = tryCreate(site, url, eventTypes);
        assertThat(reply.status()).as("create endpoint: %s", reply.json()).isEqualTo(201);
        return reply.json();
    }

    /** {@code GET /api/v1/webhooks/{id}} (200 expected). */
    public JsonNode endpoint(String id) {
        return ok(call("GET", "/api/v1/webhooks/" + id, null));
    }

    /** {@code POST /api/v1/webhooks/{id}/resume} (200 expected); the endpoint as answered. */
    public JsonNode resume(String id) {
        return ok(call("POST", "/api/v1/webhooks/" + id + "/resume", "{}"));
    }

    /** Every entry of the endpoint's delivery log, following {@code next} cursors. */
    public List<JsonNode> deliveries(String endpointId) {
        List<JsonNode> items = new ArrayList<>();
        String cursor = "";
        do {
            String query = "?limit=100"
                    + (cursor.isEmpty() ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8));
            JsonNode page = ok(call("GET", "/api/v1/webhooks/" + endpointId + "/deliveries" + query, null));
            page.path("items").forEach(items::add);
            cursor = page.path("next").isTextual() ? page.path("next").asText() : "";
        } while (!cursor.isEmpty());
        return items;
    }

    /** {@code GET /api/v1/webhook-deliveries/{id}}: one delivery with its attempts (200 expected). */
    public JsonNode delivery(String deliveryId) {
        return ok(call("GET", "/api/v1/webhook-deliveries/" + deliveryId, null));
    }

    /** How many entries of the endpoint's log are {@code delivered}. */
    public long delivered(String endpointId) {
        return deliveries(endpointId).stream()
                .filter(d -> d.path("state").asText().equals("delivered"))
                .count();
    }

    /** One call; {@code body} null for none. I/O failures are thrown unchecked (tests poll with it). */
    public Reply call(String method, String path, String body) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(path))
                .header("Authorization", "Bearer " + bearer)
                .header("Content-Type", "application/json")
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), parse(response.body()));
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + method + " " + path, e);
        }
    }

    private static JsonNode parse(String body) {
        if (body.isBlank()) {
            return JSON.nullNode();
        }
        try {
            return JSON.readTree(body);
        } catch (IOException notJson) {
            return JSON.getNodeFactory().textNode(body);
        }
    }

    private static JsonNode ok(Reply reply) {
        assertThat(reply.status()).as("answer: %s", reply.json()).isEqualTo(200);
        return reply.json();
    }
}
