package dev.concierge.server.testing;

import dev.concierge.server.attach.AttachmentSettings;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;

/**
 * {@link AttachmentSettings#DEFAULTS} with the few settings a test changes, named, so that the
 * record's components are listed in their order in one place only.
 */
public final class TestAttachmentSettings {
    private final AttachmentSettings d = AttachmentSettings.DEFAULTS;
    private long maxFileBytes = d.maxFileBytes();
    private long maxPixels = d.maxPixels();
    private int uploadsPerWindow = d.uploadsPerWindow();
    private Duration unreferencedAfter = d.unreferencedAfter();
    private Optional<InetSocketAddress> clamd = d.clamd();

    public TestAttachmentSettings maxFileBytes(long bytes) {
        this.maxFileBytes = bytes;
        return this;
    }

    public TestAttachmentSettings maxPixels(long pixels) {
        this.maxPixels = pixels;
        return this;
    }

    public TestAttachmentSettings uploadsPerWindow(int uploads) {
        this.uploadsPerWindow = uploads;
        return this;
    }

    public TestAttachmentSettings unreferencedAfter(Duration after) {
        this.unreferencedAfter = after;
        return this;
    }

    public TestAttachmentSettings clamd(InetSocketAddress address) {
        this.clamd = Optional.of(address);
        return this;
    }

    /** The defaults with what was set; the record checks them as always. */
    public AttachmentSettings build() {
        return new AttachmentSettings(
                maxFileBytes,
                d.maxConversationBytes(),
                maxPixels,
                d.downloadTtl(),
                uploadsPerWindow,
                d.uploadWindow(),
                unreferencedAfter,
                clamd,
                d.publicUrl());
    }
}
