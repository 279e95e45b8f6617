package dev.concierge.server.attach;

import dev.concierge.server.attach.Uploads.Admitted;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;

/**
 * One upload under way on a connection of {@link UploadHandler}. The fields without a lock are
 * the event loop's; the file is written, closed and deleted on the uploads' lane, under the
 * upload's lock, so that a write still running when the upload is refused finds it discarded.
 */
final class Upload {
    final String conversationId;
    final String name;
    final String authorization;
    final boolean expectContinue;
    final boolean keepAlive;
    /** Chunks read and not yet handed to the lane, retained. */
    final List<ByteBuf> pending = new ArrayList<>();
    /** Bytes of body read so far. */
    long received;
    /** Whether the body's last chunk was read. */
    boolean last;
    /** Whether a batch is being written on the lane. */
    boolean writing;
    /** Set once the caller and the conversation were checked. */
    Admitted admitted;

    ScheduledFuture<?> deadline;

    private FileChannel file;
    private boolean discarded;

    Upload(String conversationId, String name, String authorization, boolean expectContinue, boolean keepAlive) {
        this.conversationId = conversationId;
        this.name = name;
        this.authorization = authorization;
        this.expectContinue = expectContinue;
        this.keepAlive = keepAlive;
    }

    /** Appends {@code batch} to the file and releases it; the failure, or null. On the lane. */
    synchronized Exception write(List<ByteBuf> batch) {
        try {
            if (discarded) {
                return null;
            }
            if (file == null) {
                file = FileChannel.open(admitted.temp(), StandardOpenOption.WRITE);
            }
            for (ByteBuf buf : batch) {
                while (buf.isReadable()) {
                    buf.readBytes(file, buf.readableBytes());
                }
            }
            return null;
        } catch (IOException e) {
            return e;
        } finally {
            batch.forEach(ByteBuf::release);
        }
    }

    /** Closes the complete file and answers the admission (whose temp file it is). On the lane. */
    synchronized Admitted finish() throws IOException {
        if (file != null) {
            file.close();
            file = null;
        }
        return admitted;
    }

    /** Closes and deletes the file: the upload was refused or its connection went. On the lane. */
    synchronized void discard() {
        discarded = true;
        try {
            if (file != null) {
                file.close();
                file = null;
            }
        } catch (IOException e) {
            // deleted below all the same
        }
        if (admitted != null) {
            Uploads.delete(admitted.temp());
        }
    }
}
