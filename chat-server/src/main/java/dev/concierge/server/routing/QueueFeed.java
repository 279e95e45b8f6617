package dev.concierge.server.routing;

import dev.concierge.protocol.wire.ServerMessage;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code queue} frames of the agents' sockets. Each socket sees one page of the queue (the
 * first, or the one it asked for with a {@code queue} request). Changes are coalesced: however
 * many times the queue changes in one router task (a hello assigns several conversations, a
 * burst of handoffs), one pass runs after it and sends each socket its page only when that page
 * differs from the one it has. Router thread only.
 */
final class QueueFeed {
    private static final Logger log = LoggerFactory.getLogger(QueueFeed.class);

    /** A socket's page: where it starts and what the socket last got. */
    private static final class View {
        int offset;
        ServerMessage.Queue last;
    }

    private final Executor routerThread;
    private final IntFunction<ServerMessage.Queue> page;
    private final Map<Session, View> views = new HashMap<>();
    private boolean passScheduled;

    /**
     * @param routerThread runs the coalesced pass after the current router task
     * @param page         the page of the queue starting at an offset (offsets past the end are clamped)
     */
    QueueFeed(Executor routerThread, IntFunction<ServerMessage.Queue> page) {
        this.routerThread = routerThread;
        this.page = page;
    }

    /** An agent socket said hello: it gets the first page in the next pass. */
    void open(Session session) {
        views.putIfAbsent(session, new View());
        changed();
    }

    /** An agent socket went away. */
    void closed(Session session) {
        views.remove(session);
    }

    /**
     * The socket asks for the page at {@code offset}: answered now, and kept from then on (the
     * last page while the queue is shorter).
     */
    void page(Session session, String ref, int offset) {
        View view = views.computeIfAbsent(session, s -> new View());
        ServerMessage.Queue queue = page.apply(offset);
        view.offset = offset;
        view.last = queue;
        session.send(new ServerMessage.Queue(ref, queue.entries(), queue.offset(), queue.total(), queue.waiting()));
    }

    /** The queue changed: one pass, after the current router task, updates every socket. */
    void changed() {
        if (passScheduled || views.isEmpty()) {
            return;
        }
        passScheduled = true;
        try {
            routerThread.execute(this::pass);
        } catch (RejectedExecutionException shuttingDown) {
            passScheduled = false;
        }
    }

    private void pass() {
        passScheduled = false;
        try {
            Map<Integer, ServerMessage.Queue> pages = new HashMap<>();
            Map<ServerMessage.Queue, SharedFrame> frames = new HashMap<>();
            for (Map.Entry<Session, View> e : views.entrySet()) {
                View view = e.getValue();
                ServerMessage.Queue queue = pages.computeIfAbsent(view.offset, page::apply);
                if (!queue.equals(view.last)) {
                    view.last = queue;
                    e.getKey().send(frames.computeIfAbsent(queue, SharedFrame::new));
                }
            }
        } catch (RuntimeException e) {
            log.error("publishing the queue failed", e);
        }
    }
}
