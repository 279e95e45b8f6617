package dev.concierge.client.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.concierge.client.AgentClient;
import dev.concierge.client.AgentListener;
import dev.concierge.client.VisitorClient;
import dev.concierge.client.VisitorListener;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.wire.ServerMessage;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Records every listener call as a line ({@code "state OPEN"}, {@code "event c1 2"}, ...) so a test
 * can assert the exact sequence, OkHttp style. Serves both clients.
 */
public final class RecordingListener implements VisitorListener, AgentListener {
    private final BlockingQueue<String> calls = new LinkedBlockingQueue<>();

    @Override
    public void onEvent(String conversationId, TranscriptEvent event) {
        calls.add("event " + conversationId + " " + event.seq());
    }

    @Override
    public void onQueueStatus(ServerMessage.QueueStatus status) {
        calls.add("queue_status " + status.position());
    }

    @Override
    public void onTyping(ServerMessage.Typing typing) {
        calls.add("typing " + typing.typing());
    }

    @Override
    public void onReceipt(ServerMessage.Receipt receipt) {
        calls.add("receipt " + receipt.status() + " " + receipt.seq());
    }

    @Override
    public void onError(ServerMessage.Error error) {
        calls.add("error " + error.code());
    }

    @Override
    public void onStateChanged(VisitorClient.State state) {
        calls.add("state " + state);
    }

    @Override
    public void onAssigned(ServerMessage.Assigned assigned) {
        calls.add("assigned " + assigned.conversationId());
    }

    @Override
    public void onQueue(ServerMessage.Queue queue) {
        calls.add("queue " + queue.entries().size());
    }

    @Override
    public void onStateChanged(AgentClient.State state) {
        calls.add("state " + state);
    }

    /** The next calls are exactly these, in this order (each awaited up to the server's WAIT). */
    public void assertNext(String... expected) throws InterruptedException {
        for (String call : expected) {
            String actual = calls.poll(ScriptedServer.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (actual == null) {
                fail("expected listener call '" + call + "' within " + ScriptedServer.WAIT);
            }
            assertThat(actual).isEqualTo(call);
        }
    }

    /** Skips calls until {@code call} comes. */
    public void awaitCall(String call) throws InterruptedException {
        long deadline = System.nanoTime() + ScriptedServer.WAIT.toNanos();
        while (true) {
            String actual = calls.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (actual == null) {
                fail("expected listener call '" + call + "' within " + ScriptedServer.WAIT);
            }
            if (actual.equals(call)) {
                return;
            }
        }
    }

    /** No call is waiting to be asserted. */
    public void assertExhausted() {
        assertThat(calls).isEmpty();
    }
}
