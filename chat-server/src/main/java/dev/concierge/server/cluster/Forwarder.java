package dev.concierge.server.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes a node's messages to the decider from a thread of its own
 * ({@code concierge-cluster-in}), in the order they were handed over: the event loops that read
 * the sockets never wait for the NATS client (which may hold a lock while it reconnects). A
 * message that cannot go — NATS away, or more than {@link #CAPACITY} waiting — runs its
 * {@code onFailure} (the node closes that socket, and its client resends after reconnecting).
 */
final class Forwarder implements Edge.Sender, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Forwarder.class);
    /** Messages waiting at most; a node this far behind its broker closes sockets instead. */
    static final int CAPACITY = 65_536;

    private record Item(String subject, byte[] data, Runnable onFailure) {}

    private static final Item STOP = new Item("", new byte[0], () -> {});

    private final BlockingQueue<Item> queue = new ArrayBlockingQueue<>(CAPACITY);
    private final Outbound.Publisher publisher;
    private final BooleanSupplier connected;
    private final Thread thread;

    Forwarder(Outbound.Publisher publisher, BooleanSupplier connected) {
        this.publisher = publisher;
        this.connected = connected;
        this.thread = new Thread(this::run, "concierge-cluster-in");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Queues a message; never blocks. */
    @Override
    public void publish(String subject, byte[] data, Runnable onFailure) {
        if (!connected.getAsBoolean() || !queue.offer(new Item(subject, data, onFailure))) {
            onFailure.run();
        }
    }

    private void run() {
        List<Item> batch = new ArrayList<>();
        while (true) {
            batch.clear();
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                return;
            }
            queue.drainTo(batch, 1024);
            for (Item item : batch) {
                if (item == STOP) {
                    return;
                }
                try {
                    publisher.publish(item.subject(), item.data());
                } catch (RuntimeException e) {
                    log.debug("cannot reach the decider: {}", e.getMessage());
                    item.onFailure().run();
                }
            }
        }
    }

    @Override
    public void close() {
        queue.clear();
        queue.offer(STOP);
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
