package dev.concierge.client;

import dev.concierge.protocol.ConversationState;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.ReceiptStatus;
import dev.concierge.protocol.Suggestion;
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
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The visitor's side of a {@link Connection}: the current conversation, its transcript and queue
 * status. Which conversation is current: the one the welcome names, else the one an ack or an
 * event names while the visitor has none open (the server started it for them).
 */
final class DefaultVisitorClient implements VisitorClient, ConnectionSession {
    private final Connection connection;
    private final Object lock;
    private final String site;
    private final VisitorContext context;
    private final VisitorListener listener;

    // Guarded by lock.
    private String visitorId;
    private String visitorToken;
    private String current;
    private boolean currentClosed;
    private final Map<String, ConversationLog> logs = new HashMap<>();
    private String awaitingTranscript;
    /** Ids of the client's own history requests, whose pages it follows to the last. */
    private final java.util.Set<String> catchUps = new java.util.HashSet<>();

    private boolean welcomeNamedCurrent;
    private ServerMessage.QueueStatus queueStatus;
    /** Conversations the server said it no longer has for this visitor. */
    private final Set<String> forgotten = new HashSet<>();

    DefaultVisitorClient(
            Settings settings, String site, String visitorToken, VisitorContext context, VisitorListener listener) {
        this.site = site;
        this.visitorToken = visitorToken;
        this.context = context;
        this.listener = listener;
        this.connection = new Connection(settings, this);
        this.lock = connection.lock();
    }

    /** Connects; a caller that gives up on the returned future (cancel, orTimeout) closes the client. */
    CompletableFuture<VisitorClient> start() {
        CompletableFuture<VisitorClient> connected = connection.start().thenApply(ignored -> this);
        connected.whenComplete((client, error) -> {
            if (error != null) {
                close();
            }
        });
        return connected;
    }

    // ---- requests

    @Override
    public CompletableFuture<ServerMessage.Ack> send(String text) {
        Objects.requireNonNull(text, "text");
        synchronized (lock) {
            return request(new ClientMessage.Send(Connection.newId(), openConversation(), text, null));
        }
    }

    @Override
    public CompletableFuture<ServerMessage.Ack> choose(Suggestion suggestion) {
        Objects.requireNonNull(suggestion, "suggestion");
        synchronized (lock) {
            return request(new ClientMessage.Send(
                    Connection.newId(), openConversation(), suggestion.question(), suggestion.entryId()));
        }
    }

    @Override
    public CompletableFuture<ServerMessage.Ack> requestHuman() {
        synchronized (lock) {
            return request(new ClientMessage.Handoff(Connection.newId(), openConversation()));
        }
    }

    @Override
    public CompletableFuture<ServerMessage.Ack> requestHuman(String department) {
        Objects.requireNonNull(department, "department");
        synchronized (lock) {
            return request(new ClientMessage.Handoff(Connection.newId(), openConversation(), department));
        }
    }

    @Override
    public CompletableFuture<ServerMessage.Ack> leaveMessage(String name, String email, String text) {
        Objects.requireNonNull(email, "email");
        Objects.requireNonNull(text, "text");
        synchronized (lock) {
            return request(new ClientMessage.LeaveMessage(Connection.newId(), openConversation(), name, email, text));
        }
    }

    @Override
    public CompletableFuture<ServerMessage.Ack> updateContext(VisitorContext context) {
        Objects.requireNonNull(context, "context");
        return connection.request(
                new ClientMessage.UpdateContext(Connection.newId(), context), ServerMessage.Ack.class);
    }

    @Override
    public void receipt(long seq, ReceiptStatus status) {
        Objects.requireNonNull(status, "status");
        synchronized (lock) {
            if (current != null) {
                connection.sendIfOpen(new ClientMessage.Receipt(null, current, seq, status));
            }
        }
    }

    @Override
    public CompletableFuture<ServerMessage.Ack> closeConversation(String reason) {
        synchronized (lock) {
            if (current == null) {
                return noConversation();
            }
            return request(new ClientMessage.Close(Connection.newId(), current, reason));
        }
    }

    @Override
    public CompletableFuture<ServerMessage.Ack> rate(int score, String comment) {
        if (score < 1 || score > 5) {
            throw new IllegalArgumentException("score must be 1 to 5, was " + score);
        }
        synchronized (lock) {
            if (current == null) {
                return noConversation();
            }
            return request(new ClientMessage.Rate(Connection.newId(), current, score, comment));
        }
    }

    @Override
    public CompletableFuture<ServerMessage.Transcript> history(String conversationId, long afterSeq) {
        Objects.requireNonNull(conversationId, "conversationId");
        return connection.request(
                new ClientMessage.History(Connection.newId(), conversationId, afterSeq),
                ServerMessage.Transcript.class);
    }

    @Override
    public void typing(boolean typing) {
        synchronized (lock) {
            String conversation = openConversation();
            if (conversation != null) {
                connection.sendIfOpen(new ClientMessage.Typing(null, conversation, typing));
            }
        }
    }

    private CompletableFuture<ServerMessage.Ack> request(ClientMessage message) {
        return connection.request(message, ServerMessage.Ack.class);
    }

    /** The conversation new messages go to; null lets the server use or start one. */
    private String openConversation() {
        return currentClosed ? null : current;
    }

    private static CompletableFuture<ServerMessage.Ack> noConversation() {
        return CompletableFuture.failedFuture(new NoConversationException("The visitor has no conversation yet."));
    }

    // ---- accessors

    @Override
    public Optional<String> conversationId() {
        synchronized (lock) {
            return Optional.ofNullable(current);
        }
    }

    @Override
    public String visitorId() {
        synchronized (lock) {
            return visitorId;
        }
    }

    @Override
    public String visitorToken() {
        synchronized (lock) {
            return visitorToken;
        }
    }

    @Override
    public List<TranscriptEvent> transcript() {
        synchronized (lock) {
            ConversationLog log = current == null ? null : logs.get(current);
            return log == null ? List.of() : log.events();
        }
    }

    @Override
    public Optional<ServerMessage.QueueStatus> queueStatus() {
        synchronized (lock) {
            return Optional.ofNullable(queueStatus);
        }
    }

    @Override
    public State state() {
        return State.valueOf(connection.phase().name());
    }

    @Override
    public Optional<String> serverNode() {
        return connection.serverNode();
    }

    @Override
    public void close() {
        connection.close();
    }

    @Override
    public String toString() {
        return "VisitorClient[" + endpoint(connection.server()) + ", " + state() + "]";
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
                queueStatus = status;
                connection.emit(() -> listener.onQueueStatus(status));
            }
        } else if (frame instanceof ServerMessage.Typing typing) {
            connection.emit(() -> listener.onTyping(typing));
        } else if (frame instanceof ServerMessage.Availability availability) {
            connection.emit(() -> listener.onAvailability(availability));
        } else if (frame instanceof ServerMessage.Receipt receipt) {
            connection.emit(() -> listener.onReceipt(receipt));
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
        for (TranscriptEvent event : log.merge(transcript.events())) {
            applied(conversation, event);
        }
        boolean own = transcript.ref() == null || catchUps.remove(transcript.ref());
        if (own && transcript.hasMore() && !transcript.events().isEmpty()) {
            // One page of a long transcript (docs/protocol.md): read on to the last.
            catchUp(
                    conversation,
                    transcript.events().get(transcript.events().size() - 1).seq());
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
            catchUp(conversation, log.lastSeq());
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
        connection.emit(() -> listener.onEvent(conversation, event));
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
            catchUp(current, logs.get(current).lastSeq());
        }
    }

    /** Asks for the events after {@code afterSeq}; the reply is merged like any transcript. */
    private void catchUp(String conversation, long afterSeq) {
        ClientMessage.History request = new ClientMessage.History(Connection.newId(), conversation, afterSeq);
        catchUps.add(request.id());
        connection.request(request, ServerMessage.Transcript.class).whenComplete((page, error) -> {
            if (error != null) {
                synchronized (lock) {
                    catchUps.remove(request.id());
                }
            }
        });
    }

    /**
     * A {@code not_found} for the current conversation means the server no longer has it for this
     * visitor (purged, or the visitor's token was not recognised after a server restart): the
     * client forgets it, and a message or handoff meant for it goes again, same id, without a
     * conversation, so the server starts a new one. Anything else fails as the server said.
     */
    @Override
    public ClientMessage retryAs(ClientMessage request, ServerMessage.Error error) {
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
        State state = State.valueOf(phase.name());
        connection.emit(() -> listener.onStateChanged(state));
    }

    @Override
    public void onError(ServerMessage.Error error) {
        connection.emit(() -> listener.onError(error));
    }
}
