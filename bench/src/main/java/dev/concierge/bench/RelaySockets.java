package dev.concierge.bench;

import dev.concierge.protocol.ErrorCode;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The load clients' side of {@link RelayPhase}: the visitor and agent sockets' listeners, the
 * conversations they pair up, the latencies they record as each message arrives, and the error
 * frames they count or resend. {@code RelayPhase} owns the run — setting up, the warm-up and the
 * measured window, the figures it reports — and reads what these listeners recorded; keeping the
 * frame handling here lets each be read without the other.
 */
final class RelaySockets {
    // RelayPhase's logger: the relay's log lines keep one name whichever class writes them.
    private static final Logger log = LoggerFactory.getLogger(RelayPhase.class);

    final Map<String, RelayConversation> conversations = new ConcurrentHashMap<>();
    private final Map<Integer, RelayConversation> byIndex = new ConcurrentHashMap<>();
    private final AtomicInteger indexes = new AtomicInteger();
    final AtomicLong rateLimited = new AtomicLong();
    private final Set<String> acceptSent = ConcurrentHashMap.newKeySet();
    final Queue<WsConnection> waiting = new ConcurrentLinkedQueue<>();
    final Latency visitorToAgent = new Latency();
    final Latency agentToVisitor = new Latency();
    final Latency all = new Latency();
    final AtomicLong errors = new AtomicLong();
    /** Whether the ping-pong goes on: set by {@link RelayPhase} around the warm-up and the window. */
    volatile boolean running;

    volatile boolean takeFromQueue;
    volatile String visitorNode;
    volatile String agentNode;
    CountDownLatch ready;
    volatile CountDownLatch closing = new CountDownLatch(0);
    private final Set<String> closed = ConcurrentHashMap.newKeySet();

    /** Sends the handoff of the next visitor waiting for one, if any. */
    void handOffNext() {
        WsConnection v = waiting.poll();
        if (v != null) {
            v.send("{\"type\":\"handoff\",\"id\":\"handoff\"}");
        }
    }

    /** Called by each side once it knows the conversation; the second call makes it ready. */
    private void joined(RelayConversation c) {
        if (c.sides.incrementAndGet() == 2) {
            ready.countDown();
            handOffNext();
        }
    }

    private RelayConversation conv(String conversationId) {
        return conversations.computeIfAbsent(conversationId, id -> {
            RelayConversation c = new RelayConversation(id, indexes.incrementAndGet());
            byIndex.put(c.index, c);
            return c;
        });
    }

    /**
     * An error frame: a refused message ({@code rate_limited}) is sent again after a back-off,
     * on the socket that sent it; anything else is counted.
     */
    private void error(WsConnection connection, Frame f, String text) {
        String ref = f.ref();
        if (ErrorCode.RATE_LIMITED.wire().equals(f.code())
                && ref != null
                && ref.length() > 1
                && ref.indexOf('-') > 1
                && (ref.charAt(0) == 'v' || ref.charAt(0) == 'a')) {
            rateLimited.incrementAndGet();
            RelayConversation c = byIndex.get(Integer.parseInt(ref.substring(1, ref.indexOf('-'))));
            String frame = c == null ? null : c.inFlight;
            if (frame != null && frame.contains("\"" + ref + "\"")) {
                c.refusals++;
                connection.sendLater(frame, WsConnection.backoffMillis(c.refusals));
            }
        } else if (running && errors.incrementAndGet() <= 3) {
            log.warn("relay: error frame {}", text); // not after the window: a stopping server fails what is in flight
        }
    }

    /** A visitor: hello, then handoff when its turn comes, then ping-pong. */
    private final class VisitorSide implements WsClient.Listener {
        private final int index;
        private RelayConversation conv;

        VisitorSide(int index) {
            this.index = index;
        }

        @Override
        public void opened(WsConnection connection) {
            connection.send(Hellos.visitor("Visitor " + index));
        }

        @Override
        public void text(WsConnection connection, String text) {
            Frame f = Frame.parse(text);
            if (f.is("event") && "message".equals(f.kind()) && "agent".equals(f.authorRole())) {
                long now = System.nanoTime();
                agentToVisitor.record(now - conv.sentAt);
                all.record(now - conv.sentAt);
                if (running) {
                    conv.sentAt = now;
                    conv.send(connection, 'v');
                }
            } else if (f.is("event") && "message".equals(f.kind()) && "visitor".equals(f.authorRole())) {
                RelayConversation.acked(conv, f.id(), 'v'); // protocol 2: its own event acknowledges a message
            } else if (f.is("ack") && f.ref() != null && f.ref().startsWith("v")) {
                RelayConversation.acked(conv, f.ref(), 'v');
            } else if (f.is("welcome")) {
                visitorNode = f.node();
            } else if (f.is("ack") && "handoff".equals(f.ref()) && conv == null) {
                conv = conv(f.conversationId());
                conv.visitor = connection;
                joined(conv);
            } else if (f.is("error")) {
                error(connection, f, text);
            }
        }
    }

    /** An agent socket: takes conversations (from the queue when it must) and answers each message. */
    private final class AgentSide extends AgentSocket {
        AgentSide(String token) {
            super(token);
        }

        @Override
        public void text(WsConnection connection, String text) {
            Frame f = Frame.parse(text);
            if (f.is("event")) {
                if ("message".equals(f.kind()) && "visitor".equals(f.authorRole())) {
                    RelayConversation c = conversations.get(f.conversationId());
                    if (c == null) {
                        return;
                    }
                    long now = System.nanoTime();
                    visitorToAgent.record(now - c.sentAt);
                    all.record(now - c.sentAt);
                    if (running) {
                        c.sentAt = now;
                        c.send(connection, 'a');
                    }
                } else if ("message".equals(f.kind()) && "agent".equals(f.authorRole())) {
                    RelayConversation.acked(conversations.get(f.conversationId()), f.id(), 'a');
                } else if ("closed".equals(f.kind()) && closed.add(f.conversationId())) {
                    closing.countDown();
                }
            } else if (f.is("ack") && f.ref() != null && f.ref().startsWith("a")) {
                RelayConversation.acked(conversations.get(f.conversationId()), f.ref(), 'a');
            } else if (f.is("welcome")) {
                agentNode = f.node();
            } else if (f.is("assigned")) {
                RelayConversation c = conv(f.conversationId());
                if (c.agent == null) {
                    c.agent = connection;
                    joined(c);
                }
            } else if (f.is("queue") && takeFromQueue) {
                for (String id : f.queued()) {
                    if (acceptSent.add(id)) {
                        connection.send(
                                "{\"type\":\"accept\",\"id\":\"accept-" + id + "\",\"conversationId\":\"" + id + "\"}");
                    }
                }
            } else if (f.is("error") && f.ref() != null && f.ref().startsWith("accept-")) {
                // bad_state: the accept lost the race with the automatic assignment; refused: the
                // next queue frame sends it again
                acceptSent.remove(f.ref().substring("accept-".length()));
            } else if (f.is("error")) {
                error(connection, f, text);
            }
        }
    }

    /** A visitor socket's listener, the {@code index}th to connect. */
    WsClient.Listener visitor(int index) {
        return new VisitorSide(index);
    }

    /** An agent socket's listener, signed in with {@code token}. */
    WsClient.Listener agent(String token) {
        return new AgentSide(token);
    }
}
