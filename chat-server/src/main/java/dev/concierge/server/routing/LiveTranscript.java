package dev.concierge.server.routing;

import dev.concierge.protocol.AgentInfo;
import dev.concierge.protocol.Attachment;
import dev.concierge.protocol.Author;
import dev.concierge.protocol.BotTurn;
import dev.concierge.protocol.Role;
import dev.concierge.protocol.Suggestion;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.TranscriptEvent.Kind;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Predicate;

/**
 * A live conversation's whole transcript in memory, in seq order, for handoff packages, resumes
 * and history without a read from the store. Events not yet committed are kept as objects (the
 * store may still fail one, and {@link #remove} takes it back); once committed, each is packed,
 * about 100 bytes for a short message, into chunks from Netty's pooled heap allocator, and decoded
 * again when asked for, which is rare next to appending. So a conversation keeps no object per
 * message once it is stored, however busy it is: the collector never copies its history, and no
 * old object takes a new reference per message
 * (docs/architecture.md#packed-live-transcripts).
 * {@link #release} gives the chunks back when the conversation leaves memory. Router thread only,
 * like its {@link Conversation}.
 */
final class LiveTranscript {
    private static final int NO_TIME = Integer.MIN_VALUE;
    private static final Kind[] KINDS = Kind.values();
    private static final Role[] ROLES = Role.values();
    static final int FIRST_CHUNK = 512;
    static final int MAX_CHUNK = 64 * 1024;
    /** Where a packed event's id starts: after its length, seq, ts seconds and ts nanos. */
    private static final int ID_AT = 4 + 8 + 8 + 4;

    /** The events not yet packed, in seq order: those not yet committed. */
    private final ArrayDeque<TranscriptEvent> recent = new ArrayDeque<>();
    /**
     * Committed events, packed one after the other, each after its length, in chunks from Netty's
     * pooled heap allocator: their bytes live in the pool's large arrays, which the collector
     * allocates outside the young generation and never copies. Chunks start at
     * {@link #FIRST_CHUNK} bytes and double up to {@link #MAX_CHUNK}, so a long conversation
     * never copies what it packed, and wastes at most one chunk's free tail. Empty until the first
     * event is packed, and once released.
     */
    private List<ByteBuf> chunks = List.of();

    private int packedCount;
    /** The chunk {@link #pack} writes to. */
    private ByteBuf packed;
    /**
     * The authors of the packed events, each once: a packed event refers to its author by index,
     * so a visitor's name (up to 200 characters) is kept once per conversation, not once per
     * message. Null until the first author is packed; at most {@link #MAX_AUTHORS}, after which
     * new authors are packed inline.
     */
    private Author[] authors;

    private int authorCount;
    static final int MAX_AUTHORS = 64;
    private static final int NULL_AUTHOR = -2;
    private static final int INLINE_AUTHOR = -3;

    /** Appends an event, newer than every one so far. */
    void add(TranscriptEvent e) {
        recent.addLast(e);
    }

    /**
     * Takes back {@code e}, an event not yet committed that the store failed
     * ({@link Appends}); false if it is not here.
     */
    boolean remove(TranscriptEvent e) {
        Iterator<TranscriptEvent> it = recent.descendingIterator();
        while (it.hasNext()) {
            if (it.next() == e) {
                it.remove();
                return true;
            }
        }
        return false;
    }

    /** Events up to {@code committedSeq} are committed: packs them. */
    void committed(long committedSeq) {
        while (!recent.isEmpty() && recent.peekFirst().seq() <= committedSeq) {
            pack(recent.removeFirst());
        }
    }

    /** How many events it holds. */
    int size() {
        return packedCount + recent.size();
    }

    /** The bytes the packed events take (not the chunks' free room). */
    int packedBytes() {
        int n = 0;
        for (ByteBuf chunk : chunks) {
            n += chunk.writerIndex();
        }
        return n;
    }

    /** Every event, in seq order. */
    List<TranscriptEvent> all() {
        return after(0, Long.MAX_VALUE, e -> true);
    }

    /** The events with seq in ({@code afterSeq}, {@code uptoSeq}] that {@code keep} accepts, in seq order. */
    List<TranscriptEvent> after(long afterSeq, long uptoSeq, Predicate<TranscriptEvent> keep) {
        List<TranscriptEvent> out = new ArrayList<>();
        for (ByteBuf chunk : chunks) {
            for (int at = 0; at < chunk.writerIndex(); at += 4 + chunk.getInt(at)) {
                long seq = chunk.getLong(at + 4);
                if (seq > uptoSeq) {
                    return out;
                }
                if (seq > afterSeq) {
                    TranscriptEvent e = unpack(chunk, at + 4);
                    if (keep.test(e)) {
                        out.add(e);
                    }
                }
            }
        }
        for (TranscriptEvent e : recent) {
            if (e.seq() > uptoSeq) {
                break;
            }
            if (e.seq() > afterSeq && keep.test(e)) {
                out.add(e);
            }
        }
        return out;
    }

    /** The client request id of the event {@code seq}, or null if it has none or is not here. */
    String idAt(long seq) {
        for (TranscriptEvent e : recent) {
            if (e.seq() == seq) {
                return e.id();
            }
        }
        for (ByteBuf chunk : chunks) {
            for (int at = 0; at < chunk.writerIndex(); at += 4 + chunk.getInt(at)) {
                if (chunk.getLong(at + 4) == seq) {
                    return new Reader(chunk, at + ID_AT).string();
                }
            }
        }
        return null;
    }

    /** Gives the packed events' memory back to the pool: the conversation leaves memory. */
    void release() {
        if (!chunks.isEmpty()) {
            chunks.forEach(ByteBuf::release);
            chunks = List.of();
            packed = null;
            packedCount = 0;
        }
        authors = null;
        authorCount = 0;
    }

    // One packed event: its length (not counting this int), then seq, ts seconds, ts nanos, id,
    // kind, author, text, bot, reason, agent, score, comment, via, attachment (a byte 0 for none, else
    // 1 then id, name, kind, media type, size, width and height, 0 for none). A string is its length in bytes
    // (-1 for null), then its UTF-8 bytes. The author is a byte: its index in authors, -2 for
    // none, or -3 followed by its role (-1 for none), id and name.

    private void pack(TranscriptEvent e) {
        int bound = bound(e);
        if (packed == null || packed.writableBytes() < bound) {
            int size = packed == null ? FIRST_CHUNK : Math.min(MAX_CHUNK, packed.capacity() * 2);
            size = Math.max(size, bound);
            packed = PooledByteBufAllocator.DEFAULT.heapBuffer(size, size);
            if (chunks.isEmpty()) {
                chunks = new ArrayList<>();
            }
            chunks.add(packed);
        }
        int start = packed.writerIndex();
        packed.writeInt(0);
        packed.writeLong(e.seq());
        packed.writeLong(e.ts() == null ? 0 : e.ts().getEpochSecond());
        packed.writeInt(e.ts() == null ? NO_TIME : e.ts().getNano());
        string(e.id());
        packed.writeByte(e.kind() == null ? -1 : e.kind().ordinal());
        Author a = e.author();
        int index = a == null ? NULL_AUTHOR : authorIndex(a);
        packed.writeByte(index);
        if (index == INLINE_AUTHOR) {
            packed.writeByte(a.role() == null ? -1 : a.role().ordinal());
            string(a.id());
            string(a.name());
        }
        string(e.text());
        BotTurn bot = e.bot();
        packed.writeByte(bot == null ? 0 : 1);
        if (bot != null) {
            packed.writeByte((bot.answered() ? 1 : 0) | (bot.humanOffered() ? 2 : 0));
            string(bot.entryId());
            packed.writeLong(Double.doubleToRawLongBits(bot.confidence()));
            packed.writeInt(bot.suggestions().size());
            for (Suggestion s : bot.suggestions()) {
                string(s.entryId());
                string(s.question());
            }
            string(bot.entryQuestion());
            packed.writeLong(bot.replyTo() == null ? 0 : bot.replyTo()); // seqs start at 1
        }
        string(e.reason());
        AgentInfo agent = e.agent();
        packed.writeByte(agent == null ? 0 : 1);
        if (agent != null) {
            string(agent.id());
            string(agent.name());
        }
        packed.writeByte(e.score() == null ? 0 : 1);
        if (e.score() != null) {
            packed.writeInt(e.score());
        }
        string(e.comment());
        string(e.via());
        Attachment file = e.attachment();
        packed.writeByte(file == null ? 0 : 1);
        if (file != null) {
            string(file.id());
            string(file.name());
            string(file.kind());
            string(file.mediaType());
            packed.writeLong(file.size());
            packed.writeInt(file.width() == null ? 0 : file.width());
            packed.writeInt(file.height() == null ? 0 : file.height());
        }
        packed.setInt(start, packed.writerIndex() - start - 4);
        packedCount++;
    }

    /** The index of {@code a} among {@link #authors}, added if new; {@link #INLINE_AUTHOR} once they are full. */
    private int authorIndex(Author a) {
        for (int i = 0; i < authorCount; i++) {
            if (authors[i] == a || authors[i].equals(a)) {
                return i;
            }
        }
        if (authorCount == MAX_AUTHORS) {
            return INLINE_AUTHOR;
        }
        if (authors == null || authorCount == authors.length) {
            authors = java.util.Arrays.copyOf(
                    authors == null ? new Author[0] : authors, Math.min(MAX_AUTHORS, Math.max(4, authorCount * 2)));
        }
        authors[authorCount] = a;
        return authorCount++;
    }

    /** The most bytes {@link #pack} may write for {@code e} (a char takes at most 3 bytes in UTF-8). */
    static int bound(TranscriptEvent e) {
        int n = 4
                + 8
                + 8
                + 4
                + 1
                + 1
                + 1
                + 1
                + 1
                + 1
                + 4
                + 4 * 7
                + 3 * (length(e.id()) + length(e.text()) + length(e.reason()) + length(e.comment()) + length(e.via()));
        if (e.author() != null) {
            n += 8 + 3 * (length(e.author().id()) + length(e.author().name()));
        }
        if (e.agent() != null) {
            n += 8 + 3 * (length(e.agent().id()) + length(e.agent().name()));
        }
        Attachment file = e.attachment();
        if (file != null) {
            n += 16
                    + 16
                    + 3 * (length(file.id()) + length(file.name()) + length(file.kind()) + length(file.mediaType()));
        }
        BotTurn bot = e.bot();
        if (bot != null) {
            n += 1 + 4 + 8 + 8 + 4 + 4 + 3 * (length(bot.entryId()) + length(bot.entryQuestion()));
            for (Suggestion s : bot.suggestions()) {
                n += 8 + 3 * (length(s.entryId()) + length(s.question()));
            }
        }
        return n;
    }

    private static int length(String s) {
        return s == null ? 0 : s.length();
    }

    private void string(String s) {
        if (s == null) {
            packed.writeInt(-1);
            return;
        }
        int at = packed.writerIndex();
        packed.writeInt(0);
        packed.setInt(at, ByteBufUtil.writeUtf8(packed, s));
    }

    private TranscriptEvent unpack(ByteBuf chunk, int at) {
        Reader r = new Reader(chunk, at);
        long seq = r.int64();
        long seconds = r.int64();
        int nanos = r.int32();
        Instant ts = nanos == NO_TIME ? null : Instant.ofEpochSecond(seconds, nanos);
        String id = r.string();
        int kind = r.int8();
        int index = r.int8();
        Author author;
        if (index == NULL_AUTHOR) {
            author = null;
        } else if (index == INLINE_AUTHOR) {
            int role = r.int8();
            author = new Author(role == -1 ? null : ROLES[role], r.string(), r.string());
        } else {
            author = authors[index];
        }
        String text = r.string();
        BotTurn bot = null;
        if (r.int8() == 1) {
            int flags = r.int8();
            String entryId = r.string();
            double confidence = Double.longBitsToDouble(r.int64());
            int n = r.int32();
            List<Suggestion> suggestions = new ArrayList<>(n);
            for (int k = 0; k < n; k++) {
                suggestions.add(new Suggestion(r.string(), r.string()));
            }
            String entryQuestion = r.string();
            long replyTo = r.int64();
            bot = new BotTurn(
                    (flags & 1) != 0,
                    entryId,
                    confidence,
                    suggestions,
                    (flags & 2) != 0,
                    entryQuestion,
                    replyTo == 0 ? null : replyTo);
        }
        String reason = r.string();
        AgentInfo agent = r.int8() == 1 ? new AgentInfo(r.string(), r.string()) : null;
        Integer score = r.int8() == 1 ? r.int32() : null;
        String comment = r.string();
        String via = r.string();
        Attachment file = null;
        if (r.int8() == 1) {
            String fileId = r.string();
            String name = r.string();
            String fileKind = r.string();
            String mediaType = r.string();
            long size = r.int64();
            int width = r.int32();
            int height = r.int32();
            file = new Attachment(
                    fileId, name, fileKind, mediaType, size, width == 0 ? null : width, height == 0 ? null : height);
        }
        return new TranscriptEvent(
                seq,
                ts,
                id,
                kind == -1 ? null : KINDS[kind],
                author,
                text,
                bot,
                reason,
                agent,
                score,
                comment,
                via,
                file);
    }

    /** Reads a chunk's packed bytes from a position on. */
    private static final class Reader {
        private final ByteBuf chunk;
        private int at;

        Reader(ByteBuf chunk, int at) {
            this.chunk = chunk;
            this.at = at;
        }

        int int8() {
            return chunk.getByte(at++);
        }

        int int32() {
            int v = chunk.getInt(at);
            at += 4;
            return v;
        }

        long int64() {
            long v = chunk.getLong(at);
            at += 8;
            return v;
        }

        String string() {
            int n = int32();
            if (n < 0) {
                return null;
            }
            String s = chunk.toString(at, n, StandardCharsets.UTF_8);
            at += n;
            return s;
        }
    }
}
