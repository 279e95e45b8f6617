package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.concierge.client.Answer;
import dev.concierge.client.History;
import dev.concierge.client.RequestOptions;
import dev.concierge.client.Stored;
import dev.concierge.client.VisitorClient;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.TranscriptEvent.Kind;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Caller-chosen request ids against a real server: a message sent again with the id of one
 * already stored (the retry after a {@code DeadlineExceededException} whose request was written,
 * or after the caller crashed) is stored once, and the retry is answered with the first one's
 * seq.
 */
final class RequestIdEndToEndTest {

    @Test
    void aSendRetriedWithItsRequestId_isStoredOnce_andAnsweredWithTheFirstSeq() throws Exception {
        try (ChatServer server = ChatServer.builder().port(0).start();
                VisitorClient visitor = VisitorClient.builder()
                        .serverUri(server.baseUri())
                        .connect()
                        .get(10, TimeUnit.SECONDS)) {
            RequestOptions options =
                    RequestOptions.defaults().withRequestId("order-4711-note").withDeadline(Duration.ofSeconds(10));
            Stored first =
                    visitor.send("Please deliver to the back door.", options).get(10, TimeUnit.SECONDS);
            Stored retry =
                    visitor.send("Please deliver to the back door.", options).get(10, TimeUnit.SECONDS);
            Answer asked = visitor.ask("Where is my order?").get(10, TimeUnit.SECONDS);

            assertThat(retry).isEqualTo(first);
            assertThat(asked).isInstanceOf(Answer.BotReply.class);
            History history = visitor.history(first.conversationId(), 0).get(10, TimeUnit.SECONDS);
            assertThat(history.events())
                    .filteredOn(event -> event.kind() == Kind.MESSAGE)
                    .extracting(TranscriptEvent::text)
                    .containsExactly("Please deliver to the back door.", "Where is my order?");
        }
    }
}
