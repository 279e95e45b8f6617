package dev.concierge.server.insights;

import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.server.routing.Live;
import dev.concierge.server.webhook.WebhookSender;
import dev.concierge.store.EventMerge;
import dev.concierge.store.IntegrationStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;
import java.util.stream.LongStream;

/**
 * The operational figures of a running server for {@code GET /metrics}, in the Prometheus text
 * format written by Micrometer. Kept out of the router: counters are fed by the events the
 * store commits ({@link MeteredConversationStore}), latencies by the store and the bot service,
 * and the live gauges (queue, agents) by one snapshot taken on the router thread per scrape.
 */
public final class ServerMetrics {
    /** What the router knows right now, taken once per scrape. */
    public record Live(
            int queued,
            int followUps,
            int agentsOnline,
            int agentsConnected,
            int assignedConversations,
            int conversationsInMemory) {
        /** Nothing: the figures of a cluster node that does not decide (the deciding node's are the cluster's). */
        public static final Live NONE = new Live(0, 0, 0, 0, 0, 0);
    }

    /** Histogram buckets of the latencies: a few that a dashboard can read, 1 ms to 10 s. */
    private static final Duration[] LATENCY_BUCKETS = LongStream.of(
                    1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)
            .mapToObj(Duration::ofMillis)
            .toArray(Duration[]::new);

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicReference<Live> live = new AtomicReference<>(Live.NONE);
    private volatile Supplier<Live> liveSource = () -> Live.NONE;
    private final Timer storeWrite;
    private final Timer botAnswer;
    private final AtomicInteger webhookEndpointsPaused = new AtomicInteger();

    /** A registry with the JVM's and the process's meters bound. */
    public ServerMetrics() {
        this(null);
    }

    /**
     * As {@link #ServerMetrics()}, every series labelled {@code node="<node>"} on a cluster node
     * (null: no label), so that a Prometheus scraping every node tells them apart.
     */
    public ServerMetrics(String node) {
        if (node != null) {
            registry.config().commonTags("node", node);
        }
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        storeWrite = Timer.builder("concierge.store.write")
                .description("Time from submitting a write to its commit (what an acknowledgement waits for)")
                .serviceLevelObjectives(LATENCY_BUCKETS)
                .register(registry);
        botAnswer = Timer.builder("concierge.bot.answer")
                .description("Time the FAQ bot takes to answer one question")
                .serviceLevelObjectives(LATENCY_BUCKETS)
                .register(registry);
        gauge("concierge.queue.length", "Conversations waiting in the live queue", Live::queued);
        gauge("concierge.queue.follow_ups", "Messages left while nobody was available, not yet taken", Live::followUps);
        gauge("concierge.agents.online", "Agents connected and online (receiving conversations)", Live::agentsOnline);
        gauge("concierge.agents.connected", "Agents with a console connected (online or away)", Live::agentsConnected);
        gauge(
                "concierge.conversations.assigned",
                "Conversations an agent is handling now",
                Live::assignedConversations);
        gauge("concierge.conversations.in_memory", "Conversations the router holds", Live::conversationsInMemory);
        Gauge.builder("concierge.webhook.endpoints.paused", webhookEndpointsPaused, AtomicInteger::get)
                .description("Webhook endpoints paused (failing too long, or answering 410 Gone), seen by the sender")
                .register(registry);
    }

    /**
     * Where the webhook sender reports: {@code concierge_webhook_deliveries_total{outcome}} (each
     * attempt's recorded outcome: delivered, retry, expired) and {@code
     * concierge_webhook_endpoints_paused}.
     */
    public WebhookSender.Listener webhooks() {
        return new WebhookSender.Listener() {
            @Override
            public void outcome(IntegrationStore.Result result) {
                counter(
                        "concierge.webhook.deliveries",
                        "Webhook attempts recorded, by outcome",
                        "outcome",
                        result.name().toLowerCase(Locale.ROOT));
            }

            @Override
            public void pausedEndpoints(int count) {
                webhookEndpointsPaused.set(count);
            }
        };
    }

    private void gauge(String name, String description, ToIntFunction<Live> value) {
        Gauge.builder(name, live, r -> value.applyAsInt(r.get()))
                .description(description)
                .register(registry);
    }

    /**
     * Publishes what the SQLite or PostgreSQL store's merges of recent events do
     * ({@link EventMerge}): how many, how long in all (on their own thread beside the writer,
     * {@code Merger} in the store), how many events they moved.
     */
    public void bindMerges(EventMerge merges) {
        FunctionTimer.builder(
                        "concierge.store.merge",
                        merges,
                        EventMerge::merges,
                        EventMerge::mergeNanos,
                        TimeUnit.NANOSECONDS)
                .description("Merges of new events into the indexed table, beside the store's writer")
                .register(registry);
        FunctionCounter.builder("concierge.store.merged.events", merges, EventMerge::mergedRows)
                .description("Events moved by those merges")
                .register(registry);
    }

    /** Counts the open WebSocket connections with {@code connections}. */
    public void bindConnections(Supplier<Integer> connections) {
        // A strong reference: the supplier is a lambda nobody else holds (gauges hold weakly by default).
        Gauge.builder("concierge.websocket.connections", connections, s -> s.get())
                .strongReference(true)
                .description("Open WebSocket connections (visitors and agents)")
                .register(registry);
    }

    /** Where the live gauges come from: called once per scrape, off the event loops. */
    public void bindLive(Supplier<Live> source) {
        this.liveSource = source;
    }

    /** The bot answer latency timer. */
    public Timer botAnswer() {
        return botAnswer;
    }

    /** The store write latency timer. */
    Timer storeWrite() {
        return storeWrite;
    }

    /** Counts one committed transcript event: messages by role, bot turns, handoffs and so on. */
    void committed(TranscriptEvent e) {
        switch (e.kind()) {
            case MESSAGE ->
                counter(
                        "concierge.messages",
                        "Chat messages stored, by author role",
                        "role",
                        e.author() == null
                                ? "unknown"
                                : e.author().role().name().toLowerCase(Locale.ROOT));
            case BOT ->
                counter(
                        "concierge.bot.turns",
                        "Bot replies, by whether they answered from the FAQ",
                        "answered",
                        String.valueOf(e.bot() != null && e.bot().answered()));
            case HANDOFF ->
                counter(
                        "concierge.handoffs",
                        "Conversations handed to a person, by reason",
                        "reason",
                        e.reason() == null ? "unknown" : e.reason());
            case TRANSFERRED -> counter("concierge.transfers", "Transfers to another agent or department");
            case OFFLINE_MESSAGE -> counter("concierge.offline_messages", "Messages left while nobody was available");
            case CLOSED -> counter("concierge.conversations.closed", "Conversations closed");
            case RATED ->
                counter("concierge.ratings", "Satisfaction ratings, by score", "score", String.valueOf(e.score()));
            case ASSIGNED -> counter("concierge.assignments", "Conversations given to an agent");
            case QUEUED, NOTE -> {}
        }
    }

    /** Counters by name and tags: looked up once, then a map hit per stored event (the writer's thread). */
    private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();

    private void counter(String name, String description, String... tags) {
        String key = tags.length == 0 ? name : name + '|' + String.join("|", tags);
        counters.computeIfAbsent(key, k -> Counter.builder(name)
                        .description(description)
                        .tags(tags)
                        .register(registry))
                .increment();
    }

    /** The metrics in the Prometheus text format, live gauges refreshed first. */
    public String scrape() {
        try {
            live.set(liveSource.get());
        } catch (RuntimeException e) {
            live.set(Live.NONE); // a server shutting down: report zeros rather than fail the scrape
        }
        return registry.scrape();
    }

    /** The content type of {@link #scrape()}. */
    public static String contentType() {
        return "text/plain; version=0.0.4; charset=utf-8";
    }
}
