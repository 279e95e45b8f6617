package dev.concierge.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.server.ChatServer;
import io.netty.handler.codec.http.HttpMethod;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAPI document describes exactly the REST API the server routes: the set of (method, path
 * template) under {@code /api/v1/} in the route table of a running server (with the database store
 * and an admin token, so every endpoint is there) equals the set of the document's operations.
 */
final class OpenApiRoutesTest {
    private static final String V1 = "/api/v1/";

    @Test
    void routes_listsEveryMethodOfEveryTemplate_inTheOrderAdded() {
        HttpRoutes.Handler none = ex -> {};
        HttpRoutes table = new HttpRoutes()
                .get("/api/a", none)
                .post("/api/b/{id}/c", none)
                .add(HttpMethod.DELETE, "/api/a", none)
                .guard("/api/", ex -> false);
        assertThat(table.routes())
                .containsExactly(
                        new HttpRoutes.RouteInfo(HttpMethod.GET, "/api/a"),
                        new HttpRoutes.RouteInfo(HttpMethod.DELETE, "/api/a"),
                        new HttpRoutes.RouteInfo(HttpMethod.POST, "/api/b/{id}/c"));
    }

    @Test
    void theRoutesUnderApiV1_areTheOperationsOfTheDocument(@TempDir Path data) throws Exception {
        Set<String> documented = OpenApiSpec.load().operations().stream()
                .map(op -> op.method() + " " + normalised(op.path()))
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> routed;
        try (ChatServer server = ChatServer.builder()
                .port(0)
                .dataDir(data)
                .adminToken("admin-token-of-the-openapi-routes-test")
                .start()) {
            HttpRoutes table = reachable(server, HttpRoutes.class)
                    .orElseThrow(() -> new AssertionError("no route table reachable from the server"));
            routed = table.routes().stream()
                    .filter(r -> r.template().startsWith(V1))
                    .map(r -> r.method().name() + " " + normalised(r.template()))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        Set<String> undocumented = new TreeSet<>(routed);
        undocumented.removeAll(documented);
        Set<String> unrouted = new TreeSet<>(documented);
        unrouted.removeAll(routed);
        assertThat(undocumented).as("routed but not in the document").isEmpty();
        assertThat(unrouted).as("in the document but not routed").isEmpty();
        assertThat(routed).contains("GET /api/v1/openapi.json");
    }

    /** A template with every variable written {@code {}}: the names may differ. */
    private static String normalised(String template) {
        return template.replaceAll("\\{[^}/]+}", "{}");
    }

    /**
     * The first object of {@code type} reachable from {@code root} through the instance fields of
     * the server's and Netty's objects (the route table sits behind the server channel's pipeline,
     * in the handler of every connection's HTTP requests). JDK objects, arrays and collections are
     * not entered: the path needs none of them, and they hold the chat's data.
     */
    private static <T> Optional<T> reachable(Object root, Class<T> type) throws IllegalAccessException {
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Object> queue = new ArrayDeque<>(List.of(root));
        while (!queue.isEmpty()) {
            Object o = queue.removeFirst();
            if (type.isInstance(o)) {
                return Optional.of(type.cast(o));
            }
            if (!seen.add(o)) {
                continue;
            }
            for (Class<?> c = o.getClass(); c != null && entered(c); c = c.getSuperclass()) {
                for (Field f : c.getDeclaredFields()) {
                    if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) {
                        continue;
                    }
                    f.setAccessible(true);
                    Object value = f.get(o);
                    if (value != null && entered(value.getClass())) {
                        queue.addLast(value);
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static boolean entered(Class<?> c) {
        String name = c.getName();
        return !c.isArray() && (name.startsWith("dev.concierge.") || name.startsWith("io.netty."));
    }
}
