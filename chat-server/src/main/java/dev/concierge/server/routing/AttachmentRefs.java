package dev.concierge.server.routing;

import dev.concierge.protocol.Attachment;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.store.AttachmentStore;
import dev.concierge.store.AttachmentStore.StoredAttachment;
import dev.concierge.store.ConversationStore;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file a {@code message} frame names by {@code attachmentId} (docs/attachments.md): read from
 * the store off the router thread, then checked on it. A message may carry only a file its sender
 * uploaded to that conversation and that no other message carries. While a conversation's file is
 * being read, later messages of that conversation wait behind it, so that messages keep the order
 * they were sent in. Used on the router thread only.
 */
final class AttachmentRefs {
    private static final Logger log = LoggerFactory.getLogger(AttachmentRefs.class);
    private static final String NOT_FOUND = "No such attachment in this conversation.";
    private static final String CARRIED = "Another message carries this attachment.";

    private final ConversationStore store;
    private final Executor readers;
    private final Executor routerThread;
    /** Per conversation with a file being read: the messages that came after it, in order. */
    private final Map<String, ArrayDeque<Runnable>> waiting = new HashMap<>();

    AttachmentRefs(ConversationStore store, Executor readers, Executor routerThread) {
        this.store = store;
        this.readers = readers;
        this.routerThread = routerThread;
    }

    /**
     * Runs {@code then} with the file {@code send} names (null when it names none) on the router
     * thread, once every earlier message of {@code c} is through, unless {@code send} is a resend
     * (acknowledged again) or names a file it may not carry: one that is not its sender's in this
     * conversation ({@code not_found}) or that another message carries ({@code bad_state}).
     *
     * @param uploader who must have uploaded it: {@code visitor:<id>} or {@code agent:<id>}
     */
    void resolve(Session session, Conversation c, ClientMessage.Send send, String uploader, Consumer<Attachment> then) {
        ArrayDeque<Runnable> queue = waiting.get(c.id);
        if (queue != null) {
            queue.add(() -> resolve(session, c, send, uploader, then));
            return;
        }
        if (Idempotency.resent(session, c, send.id())) {
            return;
        }
        String id = send.attachmentId();
        if (id == null) {
            then.accept(null);
            return;
        }
        Optional<AttachmentStore> files = store.attachments();
        if (files.isEmpty()) {
            Router.error(session, ErrorCode.NOT_FOUND, NOT_FOUND, send.id());
            return;
        }
        if (c.carriedFiles.contains(id)) {
            Router.error(session, ErrorCode.BAD_STATE, CARRIED, send.id());
            return;
        }
        waiting.put(c.id, new ArrayDeque<>());
        readers.execute(() -> {
            Optional<StoredAttachment> found;
            try {
                found = files.get().attachment(id);
            } catch (RuntimeException e) {
                log.error("reading attachment {} of conversation {} failed", id, c.id, e);
                found = null;
            }
            Optional<StoredAttachment> read = found;
            routerThread.execute(() -> checked(session, c, send, uploader, read, then));
        });
    }

    private void checked(
            Session session,
            Conversation c,
            ClientMessage.Send send,
            String uploader,
            Optional<StoredAttachment> read,
            Consumer<Attachment> then) {
        try {
            if (read == null) {
                Router.error(session, ErrorCode.UNAVAILABLE, "The attachment could not be read; try again.", send.id());
            } else if (read.isEmpty()
                    || !read.get().conversationId().equals(c.id)
                    || !read.get().uploadedBy().equals(uploader)) {
                Router.error(session, ErrorCode.NOT_FOUND, NOT_FOUND, send.id());
            } else if (read.get().seq() != 0 || c.carriedFiles.contains(send.attachmentId())) {
                Router.error(session, ErrorCode.BAD_STATE, CARRIED, send.id());
            } else {
                c.carriedFiles.add(send.attachmentId());
                then.accept(read.get().view());
            }
        } catch (RuntimeException e) {
            log.error("message {} with an attachment failed", send.id(), e);
        } finally {
            ArrayDeque<Runnable> queue = waiting.remove(c.id);
            while (queue != null && !queue.isEmpty() && !waiting.containsKey(c.id)) {
                queue.poll().run();
            }
            if (queue != null && !queue.isEmpty()) {
                waiting.get(c.id).addAll(queue); // a later message's file is being read now: behind it
            }
        }
    }
}
