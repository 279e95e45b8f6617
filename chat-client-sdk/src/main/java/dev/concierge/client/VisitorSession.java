package dev.concierge.client;

import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.TranscriptEvent.Kind;
import dev.concierge.protocol.VisitorContext;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ProtocolCodec;
import dev.concierge.protocol.wire.Resume;
import dev.concierge.protocol.wire.ServerMessage;
import java.net.URI;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * What the server's frames mean to a visitor: the current conversation, its transcript and queue
 * status, the questions waiting for their answer. Which conversation is current: the one the
 * welcome names, else the one an ack or an event names while the visitor has none open (the
 * server started it for them). {@link DefaultVisitorClient} makes the requests and reads the state;
 * both under the connection's lock.
 */
final class VisitorSession implements ConnectionSession {
    private final Connection connection;
    private final Object lock;
    private final String site;
    private final VisitorContext context;
    private final VisitorListener listener;
    /** The client the listener is told about. */
    private final VisitorClient client;

    // Guarded by lock.
    private String visitorId;
    private String visitorToken;
    private String current;
    private boolean currentClosed;
    private final Map<String, ConversationLog> logs = new HashMap<>();
    private String awaitingTranscript;
    /** The client's own history reads, whose pages it follows to the last. */
    private final CatchUps catchUps;

    private boolean welcomeNamedCurrent;
    private QueueStatus queueStatus;
    /** Conversations the server said it no longer has for this visitor. */
    private final Set<String> forgotten = new HashSet<>();
    /** Questions asked with {@link VisitorClient#ask} that wait for their answer. */
    private final PendingAsks asks;

    VisitorSession(
            Settings settings,
            VisitorClient client,
            String site,
            String visitorToken,
            VisitorContext context,
            VisitorListener listener) {
        this.client = client;
        this.site = site;
        this.visitorToken = visitorToken;
        this.context = context;
        this.listener = listener;
        this.connection = new Connection(settings, this);
        this.lock = connection.lock();
        this.asks = new PendingAsks(connection);
        this.catchUps = new CatchUps(connection);
    }

    Connection connection() {
        return connection;
    }

    // ---- what the client reads: under the lock

    /** The current conversation, null when none. */
    String current() {
        return current;
    }

    /** The conversation new messages go to; null lets the server use or start one. */
    String openConversation() {
        return currentClosed ? null : current;
    }

    String visitorId() {
        return visitorId;
    }

    String visitorToken() {
        return visitorToken;
    }

    /** The current conversation's events, in {@code seq} order. */
    List<TranscriptEvent> transcript() {
        ConversationLog log = current == null ? null : logs.get(current);
        return log == null ? List.of() : log.events();
    }

    QueueStatus queueStatus() {
        return queueStatus;
    }

    PendingAsks asks() {
        return asks;
    }

    // ---- ConnectionSession: all under the lock

    @Override
    public URI endpoint(URI server) {
        return Settings.socketUri(server, "/ws/visitor");
    }

    @Override
    public CompletableFuture<URI> prepare(URI server) {
        return CompletableFuture.completedFuture(server);
    }

    @Override
    public ClientMessage.Hello hello(String id) {
        Resume resume = current != null && !currentClosed
                ? new Resume(current, logs.get(current).lastSeq())
                : null;
        return new ClientMessage.Hello(id, ProtocolCodec.VERSION, site, visitorToken, null, context, resume);
    }

    @Override
    public void onFrame(ServerMessage frame) {
        if (frame instanceof ServerMessage.Welcome welcome) {
            onWelcome(welcome);
        } else if (frame instanceof ServerMessage.Ack ack) {
            if (ack.conversationId() != null
                    && !ack.conversationId().equals(current)
                    && (current == null || currentClosed)
                    && !forgotten.contains(ack.conversationId())) {
                switchTo(ack.conversationId());
            }
            asks.stored(ack, logs::get, visitorId);
        } else if (frame instanceof ServerMessage.Event event) {
            onEvent(event.conversationId(), event.toTranscriptEvent());
        } else if (frame instanceof ServerMessage.Transcript transcript) {
            onTranscript(transcript);
        } else if (frame instanceof ServerMessage.QueueStatus status) {
            String conversation = status.conversationId();
            if (conversation != null && current == null && !forgotten.contains(conversation)) {
                switchTo(conversation); // a handoff without a conversation started this one
            }
            if (conversation == null || conversation.equals(current)) {
                QueueStatus update = Results.queueStatus(status);
                queueStatus = update;
                connection.emit(() -> listener.onQueueStatus(client, update));
            }
        } else if (frame instanceof ServerMessage.Typing typing) {
            connection.emit(() -> listener.onTyping(client, Results.typing(typing)));
        } else if (frame instanceof ServerMessage.Availability availability) {
            connection.emit(() -> listener.onAvailability(client, Results.availability(availability)));
        } else if (frame instanceof ServerMessage.Receipt receipt) {
            connection.emit(() -> listener.onReceipt(client, Results.receipt(receipt)));
        }
        // queue, assigned and the other agent frames are for agents.
    }

    private void onWelcome(ServerMessage.Welcome welcome) {
        if (welcome.visitorId() != null) {
            visitorId = welcome.visitorId();
        }
        if (welcome.visitorToken() != null) {
            visitorToken = welcome.visitorToken();
        }
        String open = welcome.conversationId();
        welcomeNamedCurrent = open != null;
        if (open == null) {
            connection.markReady();
            return;
        }
        forgotten.remove(open);
        if (!open.equals(current)) {
            switchTo(open);
        }
        currentClosed = false;
        awaitingTranscript = open;
    }

    private void onTranscript(ServerMessage.Transcript transcript) {
        String conversation = transcript.conversationId();
        if (conversation != null && conversation.equals(awaitingTranscript)) {
            awaitingTranscript = null;
            connection.markReady();
        }
        ConversationLog log = conversation == null ? null : logs.get(conversation);
        if (log == null) {
            return; // an earlier conversation the caller asked for: the future has it
        }
        log.reportedState(transcript.state());
        for (TranscriptEvent event : log.merge(transcript.events())) {
            applied(conversation, event);
        }
        if (transcript.ref() == null || catchUps.claims(transcript)) {
            catchUps.readOn(transcript); // one page of a long transcript (docs/protocol.md): read on
        }
        if (transcript.state() == ConversationState.CLOSED && conversation.equals(current)) {
            currentClosed = true;
            queueStatus = null;
        }
    }

    private void onEvent(String conversation, TranscriptEvent event) {
        if (conversation == null || forgotten.contains(conversation)) {
            return;
        }
        if (current == null || (currentClosed && !conversation.equals(current))) {
            switchTo(conversation);
        }
        ConversationLog log = logs.computeIfAbsent(conversation, c -> new ConversationLog());
        if (log.isGapBefore(event.seq())) {
            // Live events come in order; a hole means frames were missed: fetch them.
            catchUps.read(conversation, log.lastSeq());
        }
        if (log.add(event)) {
            applied(conversation, event);
        }
    }

    /** A new event was added to {@code conversation}'s log: track state, tell the listener. */
    private void applied(String conversation, TranscriptEvent event) {
        if (conversation.equals(current)) {
            if (event.kind() == Kind.CLOSED) {
                currentClosed = true;
                queueStatus = null;
            } else if (event.kind() == Kind.ASSIGNED) {
                queueStatus = null;
            }
        }
        connection.emit(() -> listener.onEvent(client, conversation, event));
        asks.applied(conversation, event, logs.get(conversation));
    }

    private void switchTo(String conversation) {
        current = conversation;
        currentClosed = false;
        queueStatus = null;
        logs.keySet().retainAll(List.of(conversation));
        logs.computeIfAbsent(conversation, c -> new ConversationLog());
    }

    @Override
    public void onReady(boolean resumed) {
        if (resumed && current != null && !currentClosed && !welcomeNamedCurrent) {
            // The server no longer calls it open: fetch what happened (its close) while away.
            catchUps.read(current, logs.get(current).lastSeq());
        }
    }

    /**
     * A {@code not_found} for the current conversation means the server no longer has it for this
     * visitor (purged, or the visitor's token was not recognised after a server restart): the
     * client forgets it, and a message or handoff meant for it goes again, same id, without a
     * conversation, so the server starts a new one. Anything else fails as the server said, and
     * so does a message carrying a file: its {@code not_found} may be about the file, and the file
     * belongs to the conversation it was uploaded to, so it cannot go to a new one.
     */
    @Override
    public ClientMessage retryAs(ClientMessage request, ServerMessage.Error error) {
        if (request instanceof ClientMessage.Send send && send.attachmentId() != null) {
            return null;
        }
        String target = VisitorRequests.conversationOf(request).orElse(null);
        if (!ErrorCode.NOT_FOUND.wire().equals(error.code())
                || target == null
                || !(target.equals(current) || forgotten.contains(target))) {
            return null;
        }
        if (target.equals(current)) {
            forgotten.add(current);
            current = null;
            currentClosed = false;
            queueStatus = null;
            logs.clear();
        }
        return VisitorRequests.withoutConversation(request).orElse(null);
    }

    @Override
    public boolean reauthenticate() {
        return false;
    }

    @Override
    public void onPhase(Connection.Phase phase) {
        VisitorClient.State state = VisitorClient.State.valueOf(phase.name());
        if (phase == Connection.Phase.CLOSED) {
            asks.closed(connection.closedBy());
        }
        connection.emit(() -> listener.onStateChanged(client, state));
    }

    @Override
    public void onError(ServerMessage.Error error) {
        ConciergeClientException refused = Results.error(error);
        connection.emit(() -> listener.onError(client, refused));
    }
}
