package dev.concierge.server.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/** The HTTP calls of attachments (docs/attachments.md), for the tests that upload and download. */
public final class AttachmentCalls {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final URI base;

    public AttachmentCalls(URI base) {
        this.base = base;
    }

    /** A visitor's conversation: the {@code Authorization} of the visitor and the conversation's id. */
    public record Conversation(String authorization, String id) {}

    /** A new visitor who started a conversation with one message. */
    public Conversation startConversation() throws Exception {
        try (RawSocket visitor = RawSocket.connect(base, "/ws/visitor")) {
            visitor.send("{\"type\":\"hello\",\"id\":\"h\",\"version\":1}");
            String token = visitor.awaitType("welcome").path("visitorToken").asText();
            visitor.send("{\"type\":\"message\",\"id\":\"m1\",\"text\":\"Here is a file\"}");
            String id = visitor.awaitType("ack").path("conversationId").asText();
            return new Conversation("Visitor " + token, id);
        }
    }

    /** {@code Bearer <token>} of a signed-in agent. */
    public String agent(String username, String password) throws Exception {
        HttpResponse<String> login = http.send(
                HttpRequest.newBuilder(base.resolve("/api/agent/login"))
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"username\":\"" + username + "\",\"password\":\"" + password + "\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return "Bearer " + JSON.readTree(login.body()).path("token").asText();
    }

    /** {@code POST /api/conversations/{id}/attachments?name=}, the body sent as {@code contentType}. */
    public HttpResponse<String> upload(
            String conversationId, String authorization, String name, byte[] body, String contentType)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve("/api/conversations/" + conversationId
                        + "/attachments?name=" + URLEncoder.encode(name, StandardCharsets.UTF_8)))
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** {@link #upload} of a conversation's own visitor, answered 201: the attachment's view. */
    public JsonNode uploaded(Conversation c, String name, byte[] body) throws Exception {
        HttpResponse<String> r = upload(c.id(), c.authorization(), name, body, "application/octet-stream");
        if (r.statusCode() != 201) {
            throw new AssertionError("upload answered " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body()).path("attachment");
    }

    /** {@code GET /api/conversations/{id}/attachments/{aid}}. */
    public HttpResponse<String> url(String conversationId, String attachmentId, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(
                base.resolve("/api/conversations/" + conversationId + "/attachments/" + attachmentId));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The download path {@link #url} answered 200 with. */
    public String downloadPath(String conversationId, String attachmentId, String authorization) throws Exception {
        HttpResponse<String> r = url(conversationId, attachmentId, authorization);
        if (r.statusCode() != 200) {
            throw new AssertionError("url answered " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body()).path("url").asText();
    }

    /** A plain GET of {@code path}, without credentials, redirects not followed. */
    public HttpResponse<byte[]> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** The JSON of a response body. */
    public static JsonNode json(String body) throws IOException {
        return JSON.readTree(body);
    }

    /**
     * How many regular files are below {@code dir}, 0 where it does not exist: what the server
     * keeps on disk of uploads ({@code uploads}) and of stored bytes ({@code attachments}).
     */
    public static long filesUnder(Path dir) {
        while (true) {
            if (!Files.isDirectory(dir)) {
                return 0;
            }
            try (Stream<Path> all = Files.walk(dir)) {
                return all.filter(Files::isRegularFile).count();
            } catch (UncheckedIOException e) {
                if (!(e.getCause() instanceof NoSuchFileException)) {
                    throw e;
                }
                // A file the server deleted while the walk listed it: count again.
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** A PNG of {@code width} x {@code height} pixels. */
    public static byte[] png(int width, int height) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        image.setRGB(0, 0, 0xff0000);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
