package dev.concierge.server.testing;

import dev.concierge.client.Stored;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.wire.ServerMessage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The end-of-test check of "nothing lost": given what the clients sent and what the server
 * acknowledged, and the final transcript of each conversation, it finds every message that was
 * acknowledged but lost, stored twice, or stored out of its sender's order, every gap, repeat or
 * disorder in the seqs, and every acknowledgement whose seq names another event.
 *
 * <p>Record while the test runs (the methods are thread-safe, so client callbacks may call them):
 * {@link #sent} when a client sends a message (optional: it fixes the sender's order when sends
 * overlap), {@link #acknowledged} when the server acknowledges it (an {@code ack} frame, or in
 * protocol 2 the sender's own copy of the {@code event} with the request's id), and at the end
 * {@link #transcript} with each conversation's whole transcript, then {@link #verify()}.
 *
 * <p>A message is identified by its text, which must be unique in the test (the recording methods
 * reject one text from two senders). It is found in a transcript as an event with that text whose
 * client {@code id}, when both the event and the acknowledgement carry one, is the request's id.
 * A sender's order is the order in which its messages were first recorded ({@code sent} or
 * {@code acknowledged}).
 */
public final class HistoryChecker {
    /** What can be wrong with a history. */
    public enum Problem {
        /** An acknowledged message is not in its conversation's transcript. */
        LOST,
        /** A message (or any request id of one author) is stored more than once. */
        DUPLICATED,
        /** A sender's messages are stored in another order than they were sent. */
        OUT_OF_ORDER,
        /** Seqs are missing between 1 and the transcript's last seq. */
        GAP,
        /** Two events of one conversation have the same seq. */
        REPEATED_SEQ,
        /** The transcript's seqs go down, or one is below 1. */
        UNSORTED,
        /** An acknowledgement's seq (or conversation) does not name the message's event. */
        WRONG_ACK,
        /** A message was acknowledged in a conversation whose transcript was not given. */
        NO_TRANSCRIPT
    }

    /** One thing wrong with the history, in {@code conversationId}. */
    public record Violation(Problem problem, String conversationId, String detail) {
        @Override
        public String toString() {
            return problem + " in " + conversationId + ": " + detail;
        }
    }

    /**
     * The outcome of a check: every violation, and how much was checked.
     *
     * @param violations every violation found, grouped by conversation
     * @param conversations transcripts given
     * @param events events in them
     * @param acknowledged messages acknowledged
     * @param recorded messages recorded (sent or acknowledged)
     */
    public record Report(List<Violation> violations, int conversations, int events, int acknowledged, int recorded) {
        public Report {
            violations = List.copyOf(violations);
        }

        /** Whether the history is clean. */
        public boolean ok() {
            return violations.isEmpty();
        }

        /** How many violations of each problem, in the order of {@link Problem}, only those found. */
        public Map<Problem, Integer> counts() {
            Map<Problem, Integer> counts = new EnumMap<>(Problem.class);
            violations.forEach(v -> counts.merge(v.problem(), 1, Integer::sum));
            return counts;
        }

        /** The violations of one problem. */
        public List<Violation> of(Problem problem) {
            return violations.stream().filter(v -> v.problem() == problem).toList();
        }

        @Override
        public String toString() {
            StringBuilder out = new StringBuilder();
            out.append(ok() ? "history clean" : violations.size() + " history violations " + counts())
                    .append(": ")
                    .append(conversations)
                    .append(" conversations, ")
                    .append(events)
                    .append(" events, ")
                    .append(acknowledged)
                    .append(" of ")
                    .append(recorded)
                    .append(" recorded messages acknowledged");
            violations.forEach(v -> out.append("\n  ").append(v));
            return out.toString();
        }
    }

    /** A message as recorded: its sender, text and what the acknowledgements said. */
    private static final class Message {
        final String sender;
        final String text;
        final int order;
        String id;
        String conversationId;
        boolean acked;
        final Set<Long> ackedSeqs = new LinkedHashSet<>();
        final List<String> ackProblems = new ArrayList<>();

        Message(String sender, String text, int order) {
            this.sender = sender;
            this.text = text;
            this.order = order;
        }
    }

    /** An event where it was found. */
    private record Found(String conversationId, TranscriptEvent event) {}

    private final Map<String, Message> messages = new LinkedHashMap<>();
    private final Map<String, List<TranscriptEvent>> transcripts = new LinkedHashMap<>();

    /**
     * {@code sender} (any name the test gives a client) sent a message with {@code text}. Optional:
     * it fixes the sender's order at send time, for tests whose sends overlap.
     */
    public synchronized HistoryChecker sent(String sender, String text) {
        message(sender, text);
        return this;
    }

    /**
     * The server acknowledged {@code sender}'s message {@code text} with {@code ack} (its
     * {@code ref} is the request id, its {@code seq} the stored event).
     */
    public HistoryChecker acknowledged(String sender, String text, ServerMessage.Ack ack) {
        return acknowledged(ack.conversationId(), sender, text, ack.ref(), ack.seq());
    }

    /**
     * The SDK reported {@code sender}'s message {@code text} stored as {@code stored} (the
     * request id stays inside the client).
     */
    public synchronized HistoryChecker acknowledged(String sender, String text, Stored stored) {
        acknowledge(stored.conversationId(), sender, text).ackedSeqs.add(stored.seq());
        return this;
    }

    /**
     * The server acknowledged {@code sender}'s message by sending it its own copy of the event
     * (protocol 2): the event's text, client id and seq.
     */
    public HistoryChecker acknowledgedBy(String sender, String conversationId, TranscriptEvent event) {
        if (event.text() == null || event.id() == null) {
            throw new IllegalArgumentException("an acknowledging event has a text and a client id: " + event);
        }
        return acknowledged(conversationId, sender, event.text(), event.id(), event.seq());
    }

    /**
     * The server acknowledged {@code sender}'s message {@code text}, stored as {@code seq} in
     * {@code conversationId}, sent with request id {@code id}.
     */
    public synchronized HistoryChecker acknowledged(
            String conversationId, String sender, String text, String id, long seq) {
        Objects.requireNonNull(id, "id");
        Message m = acknowledge(conversationId, sender, text);
        if (m.id == null) {
            m.id = id;
        } else if (!m.id.equals(id)) {
            throw new IllegalArgumentException("'" + abbreviate(text) + "' was recorded with request id " + m.id
                    + " and now " + id + ": two requests with one text cannot be told apart");
        }
        m.ackedSeqs.add(seq);
        return this;
    }

    /**
     * The server acknowledged {@code sender}'s message {@code text} in {@code conversationId};
     * request id and seq unknown.
     */
    public synchronized HistoryChecker acknowledged(String conversationId, String sender, String text) {
        acknowledge(conversationId, sender, text);
        return this;
    }

    /**
     * The whole transcript of {@code conversationId} (every page, in the order received), as read at
     * the end of the test; replaces one given before.
     */
    public synchronized HistoryChecker transcript(String conversationId, List<TranscriptEvent> events) {
        transcripts.put(Objects.requireNonNull(conversationId, "conversationId"), List.copyOf(events));
        return this;
    }

    /** Checks the history and throws an {@link AssertionError} listing every violation, if any. */
    public Report verify() {
        Report report = check();
        if (!report.ok()) {
            throw new AssertionError(report.toString());
        }
        return report;
    }

    /** Checks the history and returns every violation found. */
    public synchronized Report check() {
        List<Violation> found = new ArrayList<>();
        Map<String, List<Found>> byText = new HashMap<>();
        int events = 0;
        for (Map.Entry<String, List<TranscriptEvent>> t : transcripts.entrySet()) {
            checkSeqs(t.getKey(), t.getValue(), found);
            for (TranscriptEvent e : t.getValue()) {
                events++;
                if (e.text() != null) {
                    byText.computeIfAbsent(e.text(), k -> new ArrayList<>()).add(new Found(t.getKey(), e));
                }
            }
        }
        Set<String> missingTranscripts = new LinkedHashSet<>();
        Map<String, Map<String, List<Located>>> placedBySenderAndConversation = new TreeMap<>();
        Set<TranscriptEvent> matchedEvents = Collections.newSetFromMap(new IdentityHashMap<>());
        int acknowledged = 0;
        for (Message m : messages.values()) {
            List<Found> occurrences = byText.getOrDefault(m.text, List.of()).stream()
                    .filter(f -> m.id == null
                            || f.event().id() == null
                            || m.id.equals(f.event().id()))
                    .toList();
            occurrences.forEach(f -> matchedEvents.add(f.event()));
            if (m.acked) {
                acknowledged++;
                m.ackProblems.forEach(p -> found.add(new Violation(Problem.WRONG_ACK, m.conversationId, p)));
                if (!transcripts.containsKey(m.conversationId)) {
                    missingTranscripts.add(m.conversationId);
                } else {
                    checkAcked(m, occurrences, found);
                }
            }
            if (occurrences.size() > 1) {
                found.add(new Violation(
                        Problem.DUPLICATED,
                        occurrences.get(0).conversationId(),
                        describe(m) + " is stored " + occurrences.size() + " times: "
                                + occurrences.stream()
                                        .map(f -> f.conversationId() + " seq "
                                                + f.event().seq())
                                        .collect(Collectors.joining(", "))));
            }
            occurrences.stream()
                    .filter(f -> m.conversationId == null || m.conversationId.equals(f.conversationId()))
                    .min((a, b) -> Long.compare(a.event().seq(), b.event().seq()))
                    .ifPresent(f -> placedBySenderAndConversation
                            .computeIfAbsent(m.sender, k -> new TreeMap<>())
                            .computeIfAbsent(f.conversationId(), k -> new ArrayList<>())
                            .add(new Located(m, f.event().seq())));
        }
        missingTranscripts.forEach(c -> found.add(new Violation(
                Problem.NO_TRANSCRIPT,
                c,
                messages.values().stream()
                                .filter(m -> m.acked && c.equals(m.conversationId))
                                .count()
                        + " acknowledged messages, but no transcript was given")));
        checkSenderOrder(placedBySenderAndConversation, found);
        checkRequestIds(matchedEvents, found);
        List<String> order = new ArrayList<>(transcripts.keySet());
        missingTranscripts.forEach(order::add);
        found.sort((a, b) -> Integer.compare(order.indexOf(a.conversationId()), order.indexOf(b.conversationId())));
        return new Report(found, transcripts.size(), events, acknowledged, messages.size());
    }

    private record Located(Message message, long seq) {}

    private Message message(String sender, String text) {
        Objects.requireNonNull(sender, "sender");
        Objects.requireNonNull(text, "text");
        Message m = messages.computeIfAbsent(text, t -> new Message(sender, t, messages.size()));
        if (!m.sender.equals(sender)) {
            throw new IllegalArgumentException("'" + abbreviate(text) + "' was recorded for sender " + m.sender
                    + " and now for " + sender + ": give every message a text of its own");
        }
        return m;
    }

    private Message acknowledge(String conversationId, String sender, String text) {
        Objects.requireNonNull(conversationId, "conversationId");
        Message m = message(sender, text);
        m.acked = true;
        if (m.conversationId == null) {
            m.conversationId = conversationId;
        } else if (!m.conversationId.equals(conversationId)) {
            m.ackProblems.add(
                    describe(m) + " was acknowledged in " + m.conversationId + " and again in " + conversationId);
        }
        return m;
    }

    /** Seqs run 1..n in order, each once. */
    private static void checkSeqs(String conversationId, List<TranscriptEvent> events, List<Violation> found) {
        Map<Long, Integer> counts = new TreeMap<>();
        long previous = 0;
        for (TranscriptEvent e : events) {
            if (e.seq() < 1) {
                found.add(new Violation(Problem.UNSORTED, conversationId, "seq " + e.seq() + " is below 1: " + e));
            } else if (e.seq() < previous) {
                found.add(new Violation(
                        Problem.UNSORTED, conversationId, "seq " + e.seq() + " comes after seq " + previous));
            }
            previous = Math.max(previous, e.seq());
            counts.merge(e.seq(), 1, Integer::sum);
        }
        counts.forEach((seq, n) -> {
            if (n > 1) {
                found.add(
                        new Violation(Problem.REPEATED_SEQ, conversationId, "seq " + seq + " appears " + n + " times"));
            }
        });
        long expected = 1;
        for (long seq : counts.keySet()) {
            if (seq < 1) {
                continue;
            }
            if (seq > expected) {
                found.add(new Violation(
                        Problem.GAP,
                        conversationId,
                        (seq - expected == 1 ? "seq " + expected : "seqs " + expected + ".." + (seq - 1)) + " missing ("
                                + (seq - expected) + ") before seq " + seq));
            }
            expected = seq + 1;
        }
    }

    /** An acknowledged message is in its conversation, at the seq it was acknowledged with. */
    private void checkAcked(Message m, List<Found> occurrences, List<Violation> found) {
        List<TranscriptEvent> here = occurrences.stream()
                .filter(f -> f.conversationId().equals(m.conversationId))
                .map(Found::event)
                .toList();
        if (here.isEmpty()) {
            String elsewhere = occurrences.isEmpty()
                    ? ""
                    : " (but in "
                            + occurrences.stream().map(Found::conversationId).collect(Collectors.joining(", ")) + ")";
            found.add(new Violation(
                    Problem.LOST,
                    m.conversationId,
                    describe(m) + " was acknowledged"
                            + (m.ackedSeqs.isEmpty() ? "" : " as seq " + seqs(m.ackedSeqs)) + " but is not stored"
                            + elsewhere));
        }
        if (m.ackedSeqs.size() > 1) {
            found.add(new Violation(
                    Problem.WRONG_ACK,
                    m.conversationId,
                    describe(m) + " was acknowledged with different seqs " + seqs(m.ackedSeqs)));
        }
        for (long seq : m.ackedSeqs) {
            List<TranscriptEvent> atSeq = transcripts.get(m.conversationId).stream()
                    .filter(e -> e.seq() == seq)
                    .toList();
            if (atSeq.isEmpty()) {
                found.add(new Violation(
                        Problem.WRONG_ACK,
                        m.conversationId,
                        describe(m) + " was acknowledged as seq " + seq + ", which the transcript does not have"));
            } else if (atSeq.stream().noneMatch(here::contains)) {
                found.add(new Violation(
                        Problem.WRONG_ACK,
                        m.conversationId,
                        describe(m) + " was acknowledged as seq " + seq + ", which is " + describe(atSeq.get(0))
                                + (here.isEmpty()
                                        ? ""
                                        : "; the message is seq "
                                                + here.stream()
                                                        .map(e -> String.valueOf(e.seq()))
                                                        .collect(Collectors.joining(", ")))));
            }
        }
    }

    /** Each sender's messages stored in one conversation come in the order they were sent. */
    private static void checkSenderOrder(Map<String, Map<String, List<Located>>> placed, List<Violation> found) {
        placed.forEach((sender, byConversation) -> byConversation.forEach((conversationId, located) -> {
            List<Located> inSendOrder = new ArrayList<>(located);
            inSendOrder.sort((a, b) -> Integer.compare(a.message().order, b.message().order));
            for (int i = 1; i < inSendOrder.size(); i++) {
                Located before = inSendOrder.get(i - 1);
                Located after = inSendOrder.get(i);
                if (after.seq() < before.seq()) {
                    found.add(new Violation(
                            Problem.OUT_OF_ORDER,
                            conversationId,
                            sender + " sent '" + abbreviate(after.message().text) + "' after '"
                                    + abbreviate(before.message().text) + "', but it is seq " + after.seq()
                                    + " and the earlier one seq " + before.seq()));
                }
            }
        }));
    }

    /** No author's request id is stored twice (for events no recorded message accounts for). */
    private void checkRequestIds(Set<TranscriptEvent> matched, List<Violation> found) {
        transcripts.forEach((conversationId, events) -> {
            Map<String, List<TranscriptEvent>> byRequest = new LinkedHashMap<>();
            for (TranscriptEvent e : events) {
                if (e.id() != null && !matched.contains(e)) {
                    String author = Optional.ofNullable(e.author())
                            .map(a -> a.role() + " " + a.id())
                            .orElse("nobody");
                    byRequest
                            .computeIfAbsent(author + " request " + e.id(), k -> new ArrayList<>())
                            .add(e);
                }
            }
            byRequest.forEach((request, stored) -> {
                if (stored.size() > 1) {
                    found.add(new Violation(
                            Problem.DUPLICATED,
                            conversationId,
                            request + " is stored " + stored.size() + " times: seqs "
                                    + stored.stream()
                                            .map(e -> String.valueOf(e.seq()))
                                            .collect(Collectors.joining(", "))));
                }
            });
        });
    }

    private static String describe(Message m) {
        return m.sender + "'s '" + abbreviate(m.text) + "'" + (m.id == null ? "" : " (id " + m.id + ")");
    }

    private static String describe(TranscriptEvent e) {
        return e.kind()
                + (e.text() == null ? "" : " '" + abbreviate(e.text()) + "'")
                + (e.id() == null ? "" : " (id " + e.id() + ")");
    }

    private static String seqs(Set<Long> seqs) {
        return seqs.stream().map(String::valueOf).collect(Collectors.joining(" and "));
    }

    private static String abbreviate(String text) {
        return text.length() <= 60 ? text : text.substring(0, 57) + "...";
    }
}
