package dev.concierge.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.protocol.TranscriptEvent;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An event and the email it causes survive a {@code kill -9} together or not at all. A child
 * JVM appends events to the embedded store as fast as the writer takes them, every odd one with
 * an outbox mail in the same call, and prints each seq once its commit is acknowledged; the test
 * kills it with SIGKILL in mid-stream, opens the store again and finds every acknowledged event,
 * no gap, and exactly one mail for each odd event stored: none lost, none orphaned.
 */
final class OutboxCrashTest {
    private static final String CONVERSATION = "c_crash";
    /** Acknowledged appends to wait for before the kill: well into the stream, a few seconds at most. */
    private static final int ACKS_BEFORE_KILL = 3_000;

    @Test
    void killedWhileAppendingEventsWithMail_everyStoredEventHasItsMail_andEveryAcknowledgedOneIsStored(
            @TempDir Path dir) throws Exception {
        Process child = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        OutboxCrashTest.class.getName(),
                        dir.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        long acked = 0;
        try (BufferedReader out =
                new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.US_ASCII))) {
            String line;
            while (acked < ACKS_BEFORE_KILL && (line = out.readLine()) != null) {
                acked = Math.max(acked, Long.parseLong(line.trim()));
            }
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no close of the store
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            child.destroyForcibly();
        }
        assertThat(acked).as("acknowledged before the kill").isGreaterThanOrEqualTo(ACKS_BEFORE_KILL);

        try (JdbcConversationStore store = JdbcConversationStore.sqlite(dir)) {
            List<TranscriptEvent> events = store.events(CONVERSATION, 0);
            long stored = events.size();
            assertThat(events)
                    .extracting(TranscriptEvent::seq)
                    .as("no gap")
                    .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, stored)
                            .boxed()
                            .toList());
            assertThat(stored).as("every acknowledged event is stored").isGreaterThanOrEqualTo(acked);
            List<Long> mailed = store.mailOf(CONVERSATION).stream()
                    .map(m -> m.mail().seq())
                    .sorted()
                    .toList();
            List<Long> odd = java.util.stream.LongStream.rangeClosed(1, stored)
                    .filter(seq -> seq % 2 == 1)
                    .boxed()
                    .toList();
            assertThat(mailed).as("one mail per odd event stored, and no other").isEqualTo(odd);
            assertThat(store.dueMail(StoreContractTest.T0.plus(Duration.ofDays(1)), Integer.MAX_VALUE))
                    .hasSameSizeAs(odd);
        }
    }

    /**
     * The child: appends to {@code args[0]}'s store without waiting for each commit (at most
     * 1,000 in flight, as the router pipelines), printing each acknowledged seq; stops by itself
     * after 60 seconds if nobody kills it.
     */
    public static void main(String[] args) throws Exception {
        JdbcConversationStore store = JdbcConversationStore.sqlite(Path.of(args[0]));
        Semaphore inFlight = new Semaphore(1_000);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (long seq = 1; System.nanoTime() < deadline; seq++) {
            inFlight.acquire();
            long s = seq;
            TranscriptEvent event = StoreContractTest.message(seq, "m" + seq, "message " + seq);
            List<ConversationStore.OutboundMail> mails =
                    seq % 2 == 1 ? List.of(OutboxContractTest.mail(CONVERSATION, seq, "k" + seq)) : List.of();
            store.appendAll(CONVERSATION, List.of(event), mails).whenComplete((ok, error) -> {
                inFlight.release();
                if (error == null) {
                    synchronized (System.out) {
                        System.out.println(s);
                        System.out.flush();
                    }
                } else {
                    error.printStackTrace();
                    Runtime.getRuntime().halt(2); // a failed append: the parent sees the code, not a kill
                }
            });
        }
        store.close();
    }
}
