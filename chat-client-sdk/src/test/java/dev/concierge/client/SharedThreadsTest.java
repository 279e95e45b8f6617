package dev.concierge.client;

import static dev.concierge.client.testing.Frames.ack;
import static dev.concierge.client.testing.Frames.await;
import static dev.concierge.client.testing.Frames.visitorWelcome;
import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.client.testing.ScriptedServer;
import dev.concierge.protocol.wire.ClientMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The threads clients use: a bounded shared pool and one HTTP client, whatever the number of clients. */
final class SharedThreadsTest {
    private static final Logger log = LoggerFactory.getLogger(SharedThreadsTest.class);
    private static final int CLIENTS = 20;

    private ScriptedServer server;
    private final List<VisitorClient> clients = new ArrayList<>();

    @BeforeEach
    void startServer() throws Exception {
        server = ScriptedServer.start();
    }

    @AfterEach
    void stop() {
        clients.forEach(VisitorClient::close);
        server.close();
    }

    private static Set<Thread> threads() {
        return Thread.getAllStackTraces().keySet();
    }

    /**
     * Connects {@link #CLIENTS} visitors built by {@code builder}; each sends a message and gets
     * its ack. Returns the names of the threads the sends' futures completed on.
     */
    private Set<String> chat(VisitorClient.Builder builder) throws Exception {
        List<ScriptedServer.Peer> peers = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            CompletableFuture<VisitorClient> connecting = builder.connect();
            ScriptedServer.Peer peer = server.nextPeer();
            peer.send(visitorWelcome(peer.expect(ClientMessage.Hello.class), null));
            clients.add(await(connecting));
            peers.add(peer);
        }
        Set<String> completedOn = ConcurrentHashMap.newKeySet();
        List<CompletableFuture<?>> acks = new ArrayList<>();
        for (VisitorClient client : clients) {
            CompletableFuture<?> sending = client.send("hello from " + client.visitorToken());
            acks.add(sending.whenComplete(
                    (answer, error) -> completedOn.add(Thread.currentThread().getName())));
        }
        for (int i = 0; i < CLIENTS; i++) {
            ClientMessage.Send sent = peers.get(i).expect(ClientMessage.Send.class);
            peers.get(i).send(ack(sent, "c" + i, 1));
        }
        for (CompletableFuture<?> answered : acks) {
            await(answered);
        }
        return completedOn;
    }

    @Test
    void twentyClients_onTheSharedPool_startABoundedNumberOfThreads() throws Exception {
        Set<Thread> before = threads();
        Set<String> completedOn = chat(
                VisitorClient.builder().serverUri(server.uri()).backoff(Duration.ofMillis(5), Duration.ofMillis(20)));
        Set<Thread> created = threads();
        created.removeAll(before);
        List<String> names = created.stream().map(Thread::getName).sorted().toList();
        log.info("{} clients started {} threads: {}", CLIENTS, names.size(), names);

        assertThat(completedOn).allSatisfy(name -> assertThat(name).startsWith("concierge-client-"));
        assertThat(threads().stream().filter(t -> t.getName().matches("concierge-client-\\d+")))
                .hasSizeLessThanOrEqualTo(SharedPool.THREADS);
        // At most: the shared pool, the shared HTTP client's selector, the SDK's one timer thread;
        // no common-pool worker, no thread per task or per client.
        assertThat(names).hasSizeLessThanOrEqualTo(SharedPool.THREADS + 2);
        assertThat(names).noneMatch(name -> name.startsWith("ForkJoinPool.commonPool"));
        assertThat(names.stream().filter(name -> name.contains("SelectorManager")))
                .hasSizeLessThanOrEqualTo(1);
    }

    @Test
    void theBuildersExecutor_completesTheFutures() throws Exception {
        AtomicInteger count = new AtomicInteger();
        ExecutorService mine =
                Executors.newFixedThreadPool(2, task -> new Thread(task, "mine-" + count.incrementAndGet()));
        try {
            Set<String> completedOn = chat(VisitorClient.builder()
                    .serverUri(server.uri())
                    .executor(mine)
                    .backoff(Duration.ofMillis(5), Duration.ofMillis(20)));
            assertThat(completedOn).isNotEmpty().allSatisfy(name -> assertThat(name)
                    .startsWith("mine-"));
            assertThat(count.get()).isLessThanOrEqualTo(2);
        } finally {
            mine.shutdownNow();
        }
    }

    @Test
    void clientsWithoutTheirOwn_shareOneHttpClient() {
        Settings first = newDraft().freeze();
        Settings second = newDraft().freeze();
        assertThat(first.httpClient()).isSameAs(second.httpClient()).isSameAs(SharedPool.httpClient());
        assertThat(first.executor()).isSameAs(second.executor()).isSameAs(SharedPool.executor());
        assertThat(first.httpClient().executor()).containsSame(SharedPool.executor());
    }

    private Settings.Draft newDraft() {
        Settings.Draft draft = new Settings.Draft();
        draft.serverUri(server.uri());
        return draft;
    }

    @Test
    void answeredRequests_leaveNoDeadlineTimerBehind() throws Exception {
        CompletableFuture<VisitorClient> connecting =
                VisitorClient.builder().serverUri(server.uri()).connect();
        ScriptedServer.Peer peer = server.nextPeer();
        peer.send(visitorWelcome(peer.expect(ClientMessage.Hello.class), null));
        VisitorClient client = await(connecting);
        clients.add(client);
        ScheduledThreadPoolExecutor timer = (ScheduledThreadPoolExecutor) SharedPool.timer();
        int before = timer.getQueue().size();
        List<CompletableFuture<Stored>> sends = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            sends.add(client.send("message " + i));
            peer.send(ack(peer.expect(ClientMessage.Send.class), "c1", i + 1));
        }
        for (CompletableFuture<Stored> send : sends) {
            await(send);
        }
        // Each request's 30-second deadline was cancelled with its answer: the timer holds no
        // task per answered request (a heartbeat or two may come and go meanwhile).
        assertThat(timer.getQueue().size()).isLessThanOrEqualTo(before + 5);
    }
}
