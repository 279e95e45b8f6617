package dev.concierge.client.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.concierge.client.AgentClient;
import dev.concierge.client.AgentListener;
import dev.concierge.client.Assignment;
import dev.concierge.client.ConciergeClientException;
import dev.concierge.client.QueuePage;
import dev.concierge.client.QueueStatus;
import dev.concierge.client.ReadReceipt;
import dev.concierge.client.ServerRefusedException;
import dev.concierge.client.Typing;
import dev.concierge.client.VisitorClient;
import dev.concierge.client.VisitorListener;
import dev.concierge.protocol.TranscriptEvent;
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
    public void onEvent(VisitorClient client, String conversationId, TranscriptEvent event) {
        calls.add("event " + conversationId + " " + event.seq());
    }

    @Override
    public void onEvent(AgentClient client, String conversationId, TranscriptEvent event) {
        calls.add("event " + conversationId + " " + event.seq());
    }

    @Override
    public void onQueueStatus(VisitorClient client, QueueStatus status) {
        calls.add("queue_status " + status.position());
    }

    @Override
    public void onTyping(VisitorClient client, Typing typing) {
        calls.add("typing " + typing.typing());
    }

    @Override
    public void onTyping(AgentClient client, Typing typing) {
        calls.add("typing " + typing.typing());
    }

    @Override
    public void onReceipt(VisitorClient client, ReadReceipt receipt) {
        calls.add("receipt " + receipt.status() + " " + receipt.seq());
    }

    @Override
    public void onReceipt(AgentClient client, ReadReceipt receipt) {
        calls.add("receipt " + receipt.status() + " " + receipt.seq());
    }

    @Override
    public void onError(VisitorClient client, ConciergeClientException error) {
        calls.add("error " + codeOf(error));
    }

    @Override
    public void onError(AgentClient client, ConciergeClientException error) {
        calls.add("error " + codeOf(error));
    }

    @Override
    public void onStateChanged(VisitorClient client, VisitorClient.State state) {
        calls.add("state " + state);
    }

    @Override
    public void onAssigned(AgentClient client, Assignment assigned) {
        calls.add("assigned " + assigned.conversationId());
    }

    @Override
    public void onQueue(AgentClient client, QueuePage queue) {
        calls.add("queue " + queue.entries().size());
    }

    @Override
    public void onStateChanged(AgentClient client, AgentClient.State state) {
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

    private static String codeOf(ConciergeClientException error) {
        return error instanceof ServerRefusedException refused
                ? refused.wireCode()
                : error.getClass().getSimpleName();
    }
}
