package dev.concierge.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A visitor of {@link TakeoverPhase} that behaves like the SDK across a takeover: a closed socket
 * reconnects to the same node, says hello with its {@code visitorToken} and {@code resume}, and
 * resends every unacknowledged message with its id; messages written meanwhile wait for the
 * socket. It records which messages were acknowledged and how long after the kill the first
 * message written after it was.
 *
 * <p>{@code TakeoverPhase} owns the run — the kill, the lease polling, the figures; this class
 * owns the client's side of the protocol, so each is read without the other.
 */
final class TakeoverVisitor implements WsClient.Listener {
    // TakeoverPhase's logger: the phase's log lines keep one name whichever class writes them.
    private static final Logger log = LoggerFactory.getLogger(TakeoverPhase.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TakeoverPhase phase;
    private final URI uri;
    private final int index;
    /** Unacknowledged messages by id, in the order written, with when each was first written. */
    private final Map<String, Long> pending = new LinkedHashMap<>();

    private final Map<String, String> frames = new LinkedHashMap<>();
    private final List<String> acked = new ArrayList<>();
    private int next;
    private WsConnection connection; // set once welcomed; guarded by this
    private String visitorToken;
    volatile String conversationId;
    private long lastSeq;
    volatile long firstAckAfterKill = -1;

    TakeoverVisitor(TakeoverPhase phase, URI uri, int index) {
        this.phase = phase;
        this.uri = uri;
        this.index = index;
    }

    void connect() {
        phase.client.connect(uri, this).whenComplete((c, e) -> {
            if (e != null) {
                again();
            }
        });
    }

    private void again() {
        phase.reconnectLater(this::connect);
    }

    /** Writes the next message: sent at once when the socket is welcomed, else when it is again. */
    synchronized void write() {
        if (!phase.sending || conversationId == null) {
            return;
        }
        String id = "t" + index + "-" + (++next);
        String frame = "{\"type\":\"message\",\"id\":\"" + id + "\",\"conversationId\":\"" + conversationId
                + "\",\"text\":\"" + RelayPhase.TEXT + "\"}";
        pending.put(id, System.nanoTime());
        frames.put(id, frame);
        if (connection != null) {
            connection.send(frame);
        }
    }

    synchronized boolean pendingEmpty() {
        return pending.isEmpty();
    }

    synchronized int pendingCount() {
        return pending.size();
    }

    synchronized List<String> ackedIds() {
        return List.copyOf(acked);
    }

    @Override
    public synchronized void opened(WsConnection c) {
        StringBuilder hello = new StringBuilder("{\"type\":\"hello\",\"id\":\"h\",\"version\":")
                .append(Hellos.version())
                .append(",\"site\":\"demo\"");
        if (visitorToken != null) {
            hello.append(",\"visitorToken\":\"").append(visitorToken).append('"');
        }
        if (conversationId != null) {
            hello.append(",\"resume\":{\"conversationId\":\"")
                    .append(conversationId)
                    .append("\",\"lastSeq\":")
                    .append(lastSeq)
                    .append('}');
        }
        c.send(hello.append(",\"context\":{\"name\":\"Takeover ")
                .append(index)
                .append("\"}}")
                .toString());
    }

    @Override
    public synchronized void text(WsConnection c, String text) {
        JsonNode f;
        try {
            f = JSON.readTree(text);
        } catch (java.io.IOException e) {
            return;
        }
        switch (f.path("type").asText()) {
            case "welcome" -> {
                visitorToken = f.path("visitorToken").asText(visitorToken);
                connection = c;
                if (conversationId == null) {
                    c.send("{\"type\":\"handoff\",\"id\":\"handoff\"}");
                } else {
                    frames.values().forEach(c::send); // resend the unacknowledged, same ids, in order
                }
            }
            case "ack" -> {
                if ("handoff".equals(f.path("ref").asText()) && conversationId == null) {
                    conversationId = f.path("conversationId").asText();
                } else {
                    acknowledged(f.path("ref").asText());
                }
            }
            case "event" -> {
                lastSeq = Math.max(lastSeq, f.path("seq").asLong());
                if (conversationId == null && f.hasNonNull("conversationId")) {
                    conversationId = f.path("conversationId").asText();
                }
                if ("message".equals(f.path("kind").asText())
                        && "visitor".equals(f.path("author").path("role").asText())) {
                    acknowledged(f.path("id").asText());
                }
            }
            case "transcript" -> {
                for (JsonNode e : f.path("events")) {
                    lastSeq = Math.max(lastSeq, e.path("seq").asLong());
                    if ("message".equals(e.path("kind").asText())
                            && "visitor".equals(e.path("author").path("role").asText())) {
                        acknowledged(e.path("id").asText()); // stored while the socket was away
                    }
                }
            }
            case "error" -> {
                if (phase.errorsLogged.incrementAndGet() <= 5) {
                    log.info("takeover: visitor {} got {}", index, text);
                }
            }
            default -> {}
        }
    }

    private void acknowledged(String id) {
        Long writtenAt = pending.remove(id);
        if (writtenAt == null) {
            return;
        }
        frames.remove(id);
        acked.add(id);
        long now = System.nanoTime();
        if (writtenAt >= phase.killedAt && firstAckAfterKill < 0) {
            firstAckAfterKill = now - phase.killedAt;
        }
    }

    @Override
    public synchronized void closed(WsConnection c) {
        if (connection == c || connection == null) {
            connection = null;
            again();
        }
    }
}
