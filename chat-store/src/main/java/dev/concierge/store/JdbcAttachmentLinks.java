package dev.concierge.store;

import dev.concierge.protocol.Attachment;
import dev.concierge.protocol.TranscriptEvent;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The link between a {@code message} event and the upload it carries ({@link JdbcAttachments}):
 * the append checks the upload may be carried and sets its {@code seq} in the event's
 * transaction; the reads of events fill each message's attachment in from the uploads, so the
 * event rows (and the merges that move them) need no column for it.
 */
final class JdbcAttachmentLinks {
    /** The uploads the messages of a conversation after a seq refer to. */
    static final String SELECT_OF_EVENTS =
            "SELECT " + JdbcAttachments.COLUMNS + " FROM attachments WHERE conversation_id = ? AND seq > ?";
    /** What the append checks: the upload's conversation and the seq of the message referring to it. */
    static final String SELECT_REFERENCE = "SELECT conversation_id, seq FROM attachments WHERE id = ?";
    /** Marks an upload carried by a message, unless another one carries it. */
    static final String REFERENCE = "UPDATE attachments SET seq = ? WHERE id = ? AND conversation_id = ? AND seq = 0";

    private JdbcAttachmentLinks() {}

    /** Checks, before the append adds anything, that each attachment of {@code events} may be referred to. */
    static void checkReferences(JdbcWriter.Tx tx, String conversationId, List<TranscriptEvent> events)
            throws SQLException {
        Set<String> ids = new HashSet<>();
        for (TranscriptEvent e : events) {
            if (e.attachment() != null) {
                if (!ids.add(e.attachment().id())) {
                    throw new StoreException("attachment " + e.attachment().id() + " is carried by two messages");
                }
                tx.checkAttachment(conversationId, e.attachment().id());
            }
        }
    }

    /** Marks each attachment of {@code events} referred to by its event, in the append's transaction. */
    static void addReferences(JdbcWriter.Tx tx, String conversationId, List<TranscriptEvent> events)
            throws SQLException {
        for (TranscriptEvent e : events) {
            if (e.attachment() != null) {
                tx.referenceAttachment(conversationId, e.attachment().id(), e.seq());
            }
        }
    }

    /**
     * {@code events} of a conversation (those after {@code afterSeq}, read just before on {@code
     * c}) with the attachments their messages carry. Read after the events: an event read has its
     * upload's seq set, since both were committed together.
     */
    static List<TranscriptEvent> withAttachments(
            Connection c, String conversationId, long afterSeq, List<TranscriptEvent> events) throws SQLException {
        if (events.isEmpty()) {
            return events;
        }
        Map<Long, Attachment> bySeq = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(SELECT_OF_EVENTS)) {
            JdbcRows.bind(ps, conversationId, afterSeq);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    AttachmentStore.StoredAttachment a = JdbcAttachments.stored(rs);
                    bySeq.put(a.seq(), a.view());
                }
            }
        }
        if (bySeq.isEmpty()) {
            return events;
        }
        List<TranscriptEvent> out = new ArrayList<>(events.size());
        for (TranscriptEvent e : events) {
            Attachment a = bySeq.get(e.seq());
            out.add(a == null ? e : e.withAttachment(a));
        }
        return out;
    }
}
