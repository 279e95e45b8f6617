package dev.concierge.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.concierge.client.Answer;
import dev.concierge.protocol.Author;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.TranscriptEvent.Kind;
import dev.concierge.server.ChatServer;
import java.io.BufferedReader;
import java.io.StringReader;
import java.time.Instant;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

final class VisitorChatTest {
    private ChatServer server;
    private final BlockingQueue<String> printed = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() {
        server = ChatServer.builder().port(0).start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private VisitorChat connect() throws Exception {
        return VisitorChat.connect(server.baseUri(), printed::add).get(10, TimeUnit.SECONDS);
    }

    /** Skips printed lines until {@code line}, waiting up to ten seconds. */
    private void awaitPrinted(String line) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            String next = printed.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (next == null) {
                fail("not printed within 10 s: " + line);
            }
            if (next.equals(line)) {
                return;
            }
        }
    }

    @Test
    void ask_returnsTheBotsAnswer_andPrintsEveryEvent() throws Exception {
        try (VisitorChat chat = connect()) {
            Answer answer = chat.ask("Where is my order?").get(10, TimeUnit.SECONDS);

            assertThat(answer).isInstanceOf(Answer.BotReply.class);
            TranscriptEvent reply = ((Answer.BotReply) answer).reply();
            assertThat(reply.kind()).isEqualTo(Kind.BOT);
            assertThat(reply.bot().answered()).isTrue();
            assertThat(reply.bot().replyTo()).isEqualTo(answer.question().seq());
            awaitPrinted("[visitor] Where is my order?");
            awaitPrinted(VisitorChat.format(reply));
            assertThat(VisitorChat.format(reply)).startsWith("[bot] ");
        }
    }

    @Test
    void converse_sendsEachLineUntilQuit() throws Exception {
        try (VisitorChat chat = connect()) {
            BufferedReader typed = new BufferedReader(new StringReader("How do I return an item?\n\nquit\nnot sent\n"));
            assertThat(chat.converse(typed)).isEqualTo(1);
            awaitPrinted("[visitor] How do I return an item?");
            assertThat(chat.client().transcript())
                    .extracting(TranscriptEvent::text)
                    .doesNotContain("not sent");
        }
    }

    @Test
    void format_describesEventsWithoutText() {
        Author ada = new Author(Role.VISITOR, "v_1", "Ada");
        TranscriptEvent rated = TranscriptEvent.rated("m9", ada, 5, "Thanks!").stamped(9, Instant.EPOCH);
        TranscriptEvent closed =
                TranscriptEvent.closed(null, Author.SYSTEM, "resolved").stamped(8, Instant.EPOCH);
        assertThat(VisitorChat.format(rated)).isEqualTo("[visitor] rated 5/5: Thanks!");
        assertThat(VisitorChat.format(closed)).isEqualTo("[system] closed the conversation (resolved)");
    }
}
