package dev.concierge.server.http;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;

/**
 * {@code GET /api/v1/openapi.json}: the REST API's OpenAPI 3.0 document, the resource {@value
 * #RESOURCE} of the server's jar, read once at start. It needs no key (it holds no secret and
 * tells no more than docs/integrations.md); every origin may read it, so an API explorer on
 * another page can load it. Revalidated on every use ({@code Cache-Control: no-cache}) against
 * its {@code ETag}, a hash of its bytes: an unchanged document costs a {@code 304} without a body.
 */
final class OpenApiDocument {
    /** Where the document is served. */
    static final String PATH = "/api/v1/openapi.json";

    /** The document in the class path. */
    static final String RESOURCE = "/api/openapi.json";

    private final byte[] bytes;
    private final String etag;

    private OpenApiDocument(byte[] bytes) {
        this.bytes = bytes;
        this.etag = etagOf(bytes);
    }

    /** The document of the class path; fails when the jar lacks it (a broken build). */
    static OpenApiDocument load() {
        try (InputStream in = OpenApiDocument.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the class path");
            }
            return new OpenApiDocument(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A strong entity tag: the first 16 bytes of the SHA-256 of the document, base64url, quoted. */
    private static String etagOf(byte[] bytes) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(bytes);
            return '"' + Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(hash, 16)) + '"';
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
    }

    /** Answers with the document, or {@code 304} when {@code If-None-Match} names its tag. */
    void serve(Exchange ex) {
        boolean unchanged = ex.headers().getAll(HttpHeaderNames.IF_NONE_MATCH).stream()
                .flatMap(value -> Arrays.stream(value.split(",")))
                .map(String::trim)
                .anyMatch(tag -> tag.equals(etag) || tag.equals("W/" + etag) || tag.equals("*"));
        FullHttpResponse response = unchanged
                ? new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_MODIFIED)
                : new DefaultFullHttpResponse(
                        HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(bytes));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        response.headers().set(HttpHeaderNames.ETAG, etag);
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        response.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        response.headers().set("X-Content-Type-Options", "nosniff");
        ex.write(response);
    }
}
