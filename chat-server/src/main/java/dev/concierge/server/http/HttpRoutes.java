package dev.concierge.server.http;

import dev.concierge.protocol.ErrorCode;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The server's HTTP routes: method and path template to handler, with the answers for what no
 * route takes. A template is a fixed path or a path with one variable, {@code {name}} (one or
 * more characters, {@code /} included; under {@code /api/v1/} a variable ending the template is one
 * segment, without {@code /}) or {@code {name?}} (possibly empty). The first route whose
 * template matches the path takes the request; a path outside {@code /api/} that no route takes
 * goes to the fallback (the static files). Guards run first, in order, on every request whose
 * path starts with their prefix, and may answer instead of the route.
 *
 * <p>What is not taken: under {@code /api/} the method is part of an endpoint's name, so any
 * miss is 404 {@code not_found}; elsewhere a method that neither the path's route nor the
 * fallback takes is 405 {@code method_not_allowed}.
 */
final class HttpRoutes {
    private static final String API = "/api/";
    /** The REST API's prefix: a variable ending one of its templates is one path segment. */
    static final String API_V1 = "/api/v1/";

    /** Answers one request. */
    interface Handler {
        void handle(Exchange exchange);
    }

    /** Answers instead of the route (and returns true), or lets the request through. */
    interface Guard {
        boolean refused(Exchange exchange);
    }

    private record Template(String prefix, Optional<String> suffix, boolean mayBeEmpty) {
        static Template parse(String template) {
            int open = template.indexOf('{');
            if (open < 0) {
                return new Template(template, Optional.empty(), false);
            }
            int close = template.indexOf('}', open);
            boolean optional = template.charAt(close - 1) == '?';
            return new Template(template.substring(0, open), Optional.of(template.substring(close + 1)), optional);
        }

        /** The variable's value, "" for a fixed path; empty when the path does not match. */
        Optional<String> match(String path) {
            if (suffix.isEmpty()) {
                return path.equals(prefix) ? Optional.of("") : Optional.empty();
            }
            int end = path.length() - suffix.get().length();
            if (!path.startsWith(prefix) || !path.endsWith(suffix.get()) || end < prefix.length()) {
                return Optional.empty();
            }
            String value = path.substring(prefix.length(), end);
            if (suffix.get().isEmpty() && prefix.startsWith(API_V1) && value.indexOf('/') >= 0) {
                return Optional.empty(); // a REST id at the end: one segment, so ".../{id}" leaves ".../{id}/x" alone
            }
            return value.isEmpty() && !mayBeEmpty ? Optional.empty() : Optional.of(value);
        }
    }

    private record Route(Template template, Map<HttpMethod, Handler> handlers) {}

    private record Guarded(String prefix, Guard guard) {}

    private final List<Route> routes = new ArrayList<>();
    private final Map<String, Route> byTemplate = new LinkedHashMap<>();
    private final List<Guarded> guards = new ArrayList<>();
    private Set<HttpMethod> fallbackMethods = Set.of();
    private Handler fallback = ex -> {};

    HttpRoutes get(String template, Handler handler) {
        return add(HttpMethod.GET, template, handler);
    }

    HttpRoutes post(String template, Handler handler) {
        return add(HttpMethod.POST, template, handler);
    }

    HttpRoutes add(HttpMethod method, String template, Handler handler) {
        Route route = byTemplate.computeIfAbsent(template, t -> {
            Route r = new Route(Template.parse(t), new LinkedHashMap<>());
            routes.add(r);
            return r;
        });
        if (route.handlers().putIfAbsent(method, handler) != null) {
            throw new IllegalArgumentException("two routes for " + method + " " + template);
        }
        return this;
    }

    /** A check on every request under {@code prefix}, before its route. */
    HttpRoutes guard(String prefix, Guard guard) {
        guards.add(new Guarded(prefix, guard));
        return this;
    }

    /** What answers a path outside {@code /api/} that no route takes, for these methods. */
    HttpRoutes otherwise(Set<HttpMethod> methods, Handler handler) {
        this.fallbackMethods = Set.copyOf(methods);
        this.fallback = handler;
        return this;
    }

    /** A registered route: its method and path template as given. */
    record RouteInfo(HttpMethod method, String template) {}

    /** Every registered route, in the order of registration (for the tests of the API's description). */
    List<RouteInfo> routes() {
        List<RouteInfo> all = new ArrayList<>();
        byTemplate.forEach((template, route) ->
                route.handlers().keySet().forEach(method -> all.add(new RouteInfo(method, template))));
        return List.copyOf(all);
    }

    void dispatch(Exchange ex) {
        String path = ex.path();
        for (Guarded g : guards) {
            if (path.startsWith(g.prefix()) && g.guard().refused(ex)) {
                return;
            }
        }
        boolean api = path.startsWith(API);
        for (Route route : routes) {
            Optional<String> value = route.template().match(path);
            if (value.isPresent()) {
                Handler handler = route.handlers().get(ex.method());
                if (handler != null) {
                    ex.variable(value.get());
                    handler.handle(ex);
                } else if (api) {
                    notFound(ex);
                } else {
                    methodNotAllowed(ex);
                }
                return;
            }
        }
        if (api) {
            notFound(ex);
        } else if (fallbackMethods.contains(ex.method())) {
            fallback.handle(ex);
        } else {
            methodNotAllowed(ex);
        }
    }

    static void notFound(Exchange ex) {
        ex.error(HttpResponseStatus.NOT_FOUND, ErrorCode.NOT_FOUND);
    }

    private static void methodNotAllowed(Exchange ex) {
        ex.error(HttpResponseStatus.METHOD_NOT_ALLOWED, ErrorCode.METHOD_NOT_ALLOWED);
    }
}
