package dev.concierge.server.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent.Kind;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ServerMessage;
import io.netty.channel.DefaultEventLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Requests an event loop reads in one pass reach the router as one task, in the order they were
 * read; requests from other threads are handed to the router one by one, at once.
 */
final class RouterHandoverTest extends RouterFixture {

    @Test
    void requestsReadInOnePassOfAnEventLoop_areOneRouterTask_andKeepTheirOrder() throws Exception {
        router(config("least-busy", 5));
        Recorder agent = agent("a");
        Recorder visitor = visitor(null);
        String conversationId = handoff(visitor);
        DefaultEventLoop loop = new DefaultEventLoop();
        CountDownLatch release = new CountDownLatch(1);
        try {
            // Hold the router so what the loop hands over stays in its queue, countable.
            router.executor.execute(() -> await(release));
            loop.submit(() -> {
                        for (int i = 1; i <= 50; i++) {
                            router.request(
                                    visitor,
                                    Role.VISITOR,
                                    new ClientMessage.Send("m" + i, conversationId, "message " + i, null));
                        }
                    })
                    .sync();
            loop.submit(() -> {}).sync(); // the handover runs after the pass that read them
            assertThat(((ThreadPoolExecutor) router.executor).getQueue()).hasSize(1);
            // The same requests from a thread that is not an event loop: one router task each.
            for (int i = 51; i <= 55; i++) {
                router.request(
                        visitor, Role.VISITOR, new ClientMessage.Send("m" + i, conversationId, "message " + i, null));
            }
            assertThat(((ThreadPoolExecutor) router.executor).getQueue()).hasSize(6);
        } finally {
            release.countDown();
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        settleUntil(() -> texts(agent).size() == 55);
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= 55; i++) {
            expected.add("message " + i);
        }
        assertThat(texts(agent)).containsExactlyElementsOf(expected);
    }

    @Test
    void aReturningVisitorsHello_isApplied_evenWhenTheStoredReadEndsBeforeTheLoopsPass() throws Exception {
        router(config("least-busy", 5));
        Recorder first = visitor(null);
        String token = first.last(ServerMessage.Welcome.class).visitorToken();
        Recorder again = new Recorder();
        DefaultEventLoop loop = new DefaultEventLoop();
        try {
            loop.submit(() -> {
                        router.visitorHello(
                                again, new ClientMessage.Hello("h2", 1, "demo", token, null, null, null, null, null));
                        router.request(again, Role.VISITOR, new ClientMessage.Handoff("x1", null));
                        // Hold the pass (as a busy loop would) past the time the stored read takes: the
                        // read must not complete before the router has marked the hello pending.
                        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(300));
                    })
                    .sync();
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        settleUntil(() -> !again.all(ServerMessage.Ack.class).isEmpty());
        ServerMessage.Welcome welcome = again.last(ServerMessage.Welcome.class);
        assertThat(welcome.visitorId())
                .isEqualTo(first.last(ServerMessage.Welcome.class).visitorId());
        assertThat(again.last(ServerMessage.Ack.class).ref()).isEqualTo("x1");
    }

    private static List<String> texts(Recorder agent) {
        synchronized (agent.frames) {
            return agent.frames.stream()
                    .filter(f -> f instanceof ServerMessage.Event e && e.kind() == Kind.MESSAGE)
                    .map(f -> ((ServerMessage.Event) f).text())
                    .toList();
        }
    }
}
