package dev.concierge.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.concierge.client.VisitorClient;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.TranscriptEvent.Kind;
import dev.concierge.server.testing.Await;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server watches its FAQ file: an entry saved to it answers visitors without a restart. */
final class FaqHotReloadTest {

    @Test
    void anEntrySavedToTheFaqFile_answersTheNextQuestion_withoutARestart(@TempDir Path dir) throws Exception {
        ObjectMapper json = new ObjectMapper();
        Path faq = dir.resolve("faq.json");
        ObjectNode kb;
        try (InputStream in = FaqHotReloadTest.class.getResourceAsStream("/sample-faq/shop-faq.json")) {
            kb = (ObjectNode) json.readTree(in);
        }
        json.writeValue(faq.toFile(), kb);
        String question = "How do loyalty points work?";
        try (ChatServer server = ChatServer.builder().port(0).faq(faq).start()) {
            assertThat(botReply(server, question).bot().entryId()).isNotEqualTo("loyalty-points");

            ObjectNode entry = ((ArrayNode) kb.get("entries")).addObject();
            entry.put("id", "loyalty-points");
            entry.putArray("questions")
                    .add(question)
                    .add("How many loyalty points do I earn?")
                    .add("Can I spend my loyalty points?")
                    .add("What are reward points?");
            entry.putArray("keywords").add("loyalty").add("loyalty points").add("reward points");
            entry.put("answer", "You earn one loyalty point per euro and spend 100 points as 1 euro at checkout.");
            // Written beside and moved into place, as editors and deploy scripts do.
            Path next = dir.resolve("faq.json.tmp");
            json.writeValue(next.toFile(), kb);
            Files.move(next, faq, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);

            // A new visitor asks until the reloaded bot answers (a visitor's second unsure answer
            // would hand them to a human, so each try is a visitor of its own; bounded).
            TranscriptEvent after = Await.value("an answer from the new entry", Duration.ofSeconds(20), () -> {
                TranscriptEvent reply = botReply(server, question);
                return "loyalty-points".equals(reply.bot().entryId()) ? Optional.of(reply) : Optional.empty();
            });
            assertThat(after.bot().answered()).isTrue();
            assertThat(after.text()).contains("loyalty point");
        }
    }

    /** A new visitor asks {@code question}; the bot's reply. */
    private static TranscriptEvent botReply(ChatServer server, String question) {
        try (VisitorClient visitor =
                VisitorClient.builder().serverUri(server.baseUri()).connect().get(10, TimeUnit.SECONDS)) {
            visitor.send(question).get(5, TimeUnit.SECONDS);
            return Await.value("the bot's reply", () -> visitor.transcript().stream()
                    .filter(e -> e.kind() == Kind.BOT)
                    .findFirst());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
