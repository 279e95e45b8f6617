package dev.concierge.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.concierge.client.AgentClient;
import dev.concierge.protocol.Attachment;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.server.ChatServer;
import dev.concierge.server.attach.AttachmentSettings;
import dev.concierge.server.testing.AttachmentCalls;
import dev.concierge.server.testing.AttachmentCalls.Conversation;
import dev.concierge.server.testing.Await;
import dev.concierge.server.testing.ClusterFixture;
import dev.concierge.server.testing.ClusterNodes;
import dev.concierge.server.testing.RawSocket;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Attachments in a cluster (docs/attachments.md, "In a cluster"): two real {@code serve} nodes over
 * one PostgreSQL schema and NATS, started once for every case. The visitor is on the node that
 * does not decide and uploads there; the message naming the upload is forwarded to the deciding
 * node, which finds the upload in PostgreSQL; the agent on the deciding node receives it, and
 * either node hands out download URLs and serves the same bytes. Download URLs and the lasting
 * links of exports are signed with the key both nodes read from the store, so one made on a node
 * opens on the other; a visitor of another conversation gets 404 from both, as from a single
 * server; and a visitor's upload window counts the uploads of both nodes.
 */
final class ClusterAttachmentsTest {
    private static final String PUBLIC_URL = "https://chat.example.test";
    private static final Pattern LINK = Pattern.compile(Pattern.quote(PUBLIC_URL) + "(/files/link/[A-Za-z0-9_.-]+)");

    private static ClusterNodes cluster;
    /** The node holding the decider lease. */
    private static int decider;
    /** The other node. */
    private static int edge;

    private static long startedAt;

    @BeforeAll
    static void startCluster() throws Exception {
        startedAt = System.nanoTime();
        // C1 only: the nodes run for seconds, and on a busy machine the optimising compiler's
        // start-up work is most of a start's time.
        cluster = ClusterNodes.start(
                2,
                Map.of("JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=1"),
                n -> List.of("--public-url", PUBLIC_URL + "/"));
        decider = ClusterFixture.decider(cluster);
        edge = 3 - decider;
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
        System.out.printf(
                "ClusterAttachmentsTest: %d ms with the cluster's start and stop%n",
                (System.nanoTime() - startedAt) / 1_000_000);
    }

    @Test
    void filesUploadedToTheNodeThatDoesNotDecide_reachTheAgentOnTheDecider_andEitherNodeServesTheirBytes()
            throws Exception {
        AttachmentCalls onEdge = calls(edge);
        AttachmentCalls onDecider = calls(decider);
        byte[] pdf = pdf(150 * 1024, 1);
        byte[] png = AttachmentCalls.png(40, 30);
        try (AgentClient agent = ClusterFixture.agent(
                        ClusterFixture.from(cluster, decider),
                        ChatServer.Builder.DEMO_USERNAME,
                        ChatServer.Builder.DEMO_PASSWORD);
                RawSocket visitor = RawSocket.connect(cluster.uris().get(edge - 1), "/ws/visitor")) {
            assertThat(agent.serverNode()).hasValue(cluster.nodeId(decider));
            Conversation c = start(visitor, edge, "My mug arrived cracked");
            visitor.send("{\"type\":\"handoff\",\"id\":\"h1\",\"conversationId\":\"" + c.id() + "\"}");
            Await.until("the agent on the deciding node has the conversation", () -> agent.assignedConversations()
                    .containsKey(c.id()));

            JsonNode receipt = onEdge.uploaded(c, "receipt.pdf", pdf);
            JsonNode photo = onEdge.uploaded(c, "mug.png", png);
            assertThat(receipt.path("kind").asText()).isEqualTo(Attachment.FILE);
            assertThat(receipt.path("size").asLong()).isEqualTo(pdf.length);
            assertThat(photo.path("kind").asText()).isEqualTo(Attachment.IMAGE);
            carry(visitor, c, "m2", "The receipt", receipt);
            carry(visitor, c, "m3", "", photo);

            // The events reach the agent live, each with its file as the upload described it.
            Await.until(
                    "the agent on the deciding node reads both files",
                    () -> attachments(agent.transcript(c.id())).size() == 2);
            List<Attachment> live = attachments(agent.transcript(c.id()));
            assertSameFile(live.get(0), receipt);
            assertSameFile(live.get(1), photo);
            // And the stored transcript, read back from PostgreSQL, carries them too.
            assertThat(attachments(
                            agent.history(c.id(), 0).get(10, TimeUnit.SECONDS).events()))
                    .isEqualTo(live);

            // The agent asks the deciding node for a fresh URL and gets the exact bytes from it.
            String bearer = "Bearer "
                    + ClusterFixture.login(
                            cluster.uris().get(decider - 1),
                            ChatServer.Builder.DEMO_USERNAME,
                            ChatServer.Builder.DEMO_PASSWORD);
            HttpResponse<byte[]> file =
                    onDecider.get(onDecider.downloadPath(c.id(), live.get(0).id(), bearer));
            assertThat(file.statusCode()).isEqualTo(200);
            assertThat(file.body()).isEqualTo(pdf);
            assertThat(file.headers().firstValue("content-type")).contains("application/octet-stream");
            assertThat(file.headers().firstValue("content-disposition"))
                    .hasValueSatisfying(
                            d -> assertThat(d).startsWith("attachment;").contains("receipt.pdf"));

            // The image: the stored (re-encoded) bytes, the same from either node, whichever node
            // signed the URL.
            String fromDecider = onDecider.downloadPath(c.id(), photo.path("id").asText(), bearer);
            String fromEdge = onEdge.downloadPath(c.id(), photo.path("id").asText(), c.authorization());
            HttpResponse<byte[]> image = onDecider.get(fromDecider);
            assertThat(image.statusCode()).isEqualTo(200);
            assertThat(image.headers().firstValue("content-type")).contains("image/png");
            assertThat((long) image.body().length).isEqualTo(photo.path("size").asLong());
            BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(image.body()));
            assertThat(decoded.getWidth()).isEqualTo(40);
            assertThat(decoded.getHeight()).isEqualTo(30);
            for (HttpResponse<byte[]> again :
                    List.of(onEdge.get(fromDecider), onEdge.get(fromEdge), onDecider.get(fromEdge))) {
                assertThat(again.statusCode()).isEqualTo(200);
                assertThat(again.body()).isEqualTo(image.body());
            }
            // The PDF from the node it was uploaded to, on a URL the deciding node signed.
            assertThat(onEdge.get(onDecider.downloadPath(
                                    c.id(), receipt.path("id").asText(), c.authorization()))
                            .body())
                    .isEqualTo(pdf);
        }
    }

    @Test
    void anExportsLink_madeOnOneNode_opensTheFileOnTheOther() throws Exception {
        AttachmentCalls onDecider = calls(decider);
        byte[] pdf = pdf(20 * 1024, 2);
        Conversation c;
        String id;
        try (RawSocket visitor = RawSocket.connect(cluster.uris().get(decider - 1), "/ws/visitor")) {
            c = start(visitor, decider, "The invoice for my order");
            JsonNode invoice = onDecider.uploaded(c, "invoice.pdf", pdf);
            id = invoice.path("id").asText();
            carry(visitor, c, "m2", "", invoice);
        }

        // The text export made on one node; its link opened on the other, and the other way round.
        for (int[] made : new int[][] {{decider, edge}, {edge, decider}}) {
            String text = get(made[0], "/api/conversations/" + c.id() + "/transcript?format=txt", c.authorization())
                    .body();
            assertThat(text).contains("[file: invoice.pdf, application/pdf, ");
            Matcher link = LINK.matcher(text);
            assertThat(link.find())
                    .as("a lasting link in the export of %s", made[0])
                    .isTrue();
            AttachmentCalls opener = calls(made[1]);
            HttpResponse<byte[]> redirect = opener.get(link.group(1));
            assertThat(redirect.statusCode())
                    .as("the link made on %s, opened on %s", cluster.nodeId(made[0]), cluster.nodeId(made[1]))
                    .isEqualTo(302);
            String location = redirect.headers().firstValue("location").orElseThrow();
            assertThat(opener.get(location).body()).isEqualTo(pdf);
        }

        // The JSON export's files list, made on the node that does not decide, read by an agent.
        String bearer = "Bearer "
                + ClusterFixture.login(
                        cluster.uris().get(edge - 1),
                        ChatServer.Builder.DEMO2_USERNAME,
                        ChatServer.Builder.DEMO2_PASSWORD);
        JsonNode files = AttachmentCalls.json(
                        get(edge, "/api/conversations/" + c.id() + "/transcript?format=json", bearer)
                                .body())
                .path("files");
        assertThat(files).hasSize(1);
        assertThat(files.get(0).path("id").asText()).isEqualTo(id);
        String url = files.get(0).path("url").asText();
        assertThat(url).startsWith(PUBLIC_URL + "/files/link/");
        HttpResponse<byte[]> redirect = onDecider.get(url.substring(PUBLIC_URL.length()));
        assertThat(redirect.statusCode()).isEqualTo(302);
        assertThat(onDecider
                        .get(redirect.headers().firstValue("location").orElseThrow())
                        .body())
                .isEqualTo(pdf);
    }

    @Test
    void aVisitorOfAnotherConversation_isRefusedOnEitherNode_asOnOneServer() throws Exception {
        Conversation ada;
        Conversation mallory;
        String id;
        try (RawSocket one = RawSocket.connect(cluster.uris().get(edge - 1), "/ws/visitor");
                RawSocket two = RawSocket.connect(cluster.uris().get(decider - 1), "/ws/visitor")) {
            ada = start(one, edge, "My address changed");
            mallory = start(two, decider, "Hello");
            JsonNode notes = calls(edge).uploaded(ada, "notes.pdf", pdf(4 * 1024, 3));
            id = notes.path("id").asText();
            carry(one, ada, "m2", "", notes);
        }
        for (int node : new int[] {edge, decider}) {
            AttachmentCalls on = calls(node);
            String where = " on " + cluster.nodeId(node);
            assertThat(on.url(ada.id(), id, ada.authorization()).statusCode())
                    .as("the visitor's own file" + where)
                    .isEqualTo(200);
            assertThat(on.url(ada.id(), id, mallory.authorization()).statusCode())
                    .as("another visitor's conversation" + where)
                    .isEqualTo(404);
            assertThat(on.url(mallory.id(), id, mallory.authorization()).statusCode())
                    .as("an attachment of another conversation, asked under one's own" + where)
                    .isEqualTo(404);
            assertThat(on.url(ada.id(), id, null).statusCode())
                    .as("no credential" + where)
                    .isEqualTo(404);
            HttpResponse<String> upload =
                    on.upload(ada.id(), mallory.authorization(), "x.pdf", pdf(64, 4), "application/pdf");
            assertThat(upload.statusCode())
                    .as("an upload into another's conversation" + where)
                    .isEqualTo(404);
            assertThat(AttachmentCalls.json(upload.body()).path("error").asText())
                    .isEqualTo("not_found");
        }
        // Nor can another visitor's message carry the file: the deciding node refuses it as unknown.
        try (RawSocket two = RawSocket.connect(cluster.uris().get(decider - 1), "/ws/visitor")) {
            two.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1,\"visitorToken\":\""
                    + mallory.authorization().substring("Visitor ".length()) + "\"}");
            two.awaitType("welcome");
            two.send("{\"type\":\"message\",\"id\":\"m9\",\"conversationId\":\"" + mallory.id()
                    + "\",\"text\":\"\",\"attachmentId\":\"" + id + "\"}");
            JsonNode refused = two.await(f -> "error".equals(f.path("type").asText())
                    || "ack".equals(f.path("type").asText()));
            assertThat(refused.path("type").asText()).isEqualTo("error");
            assertThat(refused.path("code").asText()).isEqualTo("not_found");
        }
    }

    @Test
    void aVisitorsUploadLimit_holdsOverBothNodes() throws Exception {
        int limit = AttachmentSettings.DEFAULTS.uploadsPerWindow();
        try (RawSocket visitor = RawSocket.connect(cluster.uris().get(edge - 1), "/ws/visitor")) {
            Conversation c = start(visitor, edge, "Some photos of the damage");
            for (int i = 0; i < limit; i++) {
                int node = i % 2 == 0 ? edge : decider;
                calls(node).uploaded(c, "part" + i + ".pdf", pdf(16, i));
            }
            // Half of them went to each node; the next one is refused on either. The last
            // upload's count travels over NATS as it is admitted, well before it is stored and
            // answered; should it still be under way, one more upload is counted and refused.
            for (int node : new int[] {edge, decider}) {
                HttpResponse<String> over =
                        calls(node).upload(c.id(), c.authorization(), "more.pdf", pdf(16, 99), "x/y");
                if (over.statusCode() == 201) {
                    over = calls(node).upload(c.id(), c.authorization(), "more.pdf", pdf(16, 98), "x/y");
                }
                assertThat(over.statusCode())
                        .as("upload %d on %s, after %d on each node", limit + 1, cluster.nodeId(node), limit / 2)
                        .isEqualTo(429);
                assertThat(AttachmentCalls.json(over.body()).path("error").asText())
                        .isEqualTo("rate_limited");
                assertThat(over.headers().firstValue("retry-after")).isPresent();
            }
        }
    }

    /** Starts a conversation with {@code text} on {@code visitor}'s socket, which must be on {@code node}. */
    private static Conversation start(RawSocket visitor, int node, String text) throws Exception {
        visitor.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1}");
        JsonNode welcome = visitor.awaitType("welcome");
        assertThat(welcome.path("node").asText()).isEqualTo(cluster.nodeId(node));
        String token = welcome.path("visitorToken").asText();
        visitor.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"" + text + "\"}");
        String id = visitor.awaitType("ack").path("conversationId").asText();
        return new Conversation("Visitor " + token, id);
    }

    /** Sends message {@code messageId} carrying the upload {@code file}; waits for its acknowledgement. */
    private static void carry(RawSocket visitor, Conversation c, String messageId, String text, JsonNode file)
            throws Exception {
        visitor.send(
                "{\"type\":\"message\",\"id\":\"" + messageId + "\",\"conversationId\":\"" + c.id() + "\",\"text\":\""
                        + text + "\",\"attachmentId\":\"" + file.path("id").asText() + "\"}");
        JsonNode answer = visitor.await(f -> messageId.equals(f.path("ref").asText())
                && ("ack".equals(f.path("type").asText())
                        || "error".equals(f.path("type").asText())));
        assertThat(answer.path("type").asText())
                .as("the answer to %s: %s", messageId, answer)
                .isEqualTo("ack");
        assertThat(answer.path("seq").asLong()).isPositive();
    }

    private static void assertSameFile(Attachment seen, JsonNode uploaded) {
        assertThat(seen.id()).isEqualTo(uploaded.path("id").asText());
        assertThat(seen.name()).isEqualTo(uploaded.path("name").asText());
        assertThat(seen.kind()).isEqualTo(uploaded.path("kind").asText());
        assertThat(seen.mediaType()).isEqualTo(uploaded.path("mediaType").asText());
        assertThat(seen.size()).isEqualTo(uploaded.path("size").asLong());
    }

    private static List<Attachment> attachments(List<TranscriptEvent> events) {
        List<Attachment> files = new ArrayList<>();
        for (TranscriptEvent e : events) {
            Optional.ofNullable(e.attachment()).ifPresent(files::add);
        }
        return files;
    }

    private static AttachmentCalls calls(int node) {
        return new AttachmentCalls(cluster.uris().get(node - 1));
    }

    private static HttpResponse<String> get(int node, String path, String authorization) throws Exception {
        return java.net.http.HttpClient.newHttpClient()
                .send(
                        java.net.http.HttpRequest.newBuilder(
                                        cluster.uris().get(node - 1).resolve(path))
                                .header("Authorization", authorization)
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    /** A PDF-like file: the {@code %PDF-} magic, then {@code size} bytes of every value (seeded). */
    private static byte[] pdf(int size, long seed) {
        byte[] head = "%PDF-1.7\n".getBytes(StandardCharsets.US_ASCII);
        byte[] body = new byte[head.length + size];
        System.arraycopy(head, 0, body, 0, head.length);
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = head.length; i < body.length; i++) {
            body[i] = (byte) random.nextInt(256);
        }
        return body;
    }
}
