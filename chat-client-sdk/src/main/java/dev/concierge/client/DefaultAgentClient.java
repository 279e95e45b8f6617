package dev.concierge.client;

import dev.concierge.protocol.AgentInfo;
import dev.concierge.protocol.HandoffPackage;
import dev.concierge.protocol.PresenceStatus;
import dev.concierge.protocol.QueueEntry;
import dev.concierge.protocol.ReceiptStatus;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ServerMessage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * An agent's client: its requests and what it has seen. What the server's frames mean (the token,
 * the queue, the assigned conversations) is the {@link AgentSession}'s.
 */
final class DefaultAgentClient implements AgentClient {
    private final AgentSession session;
    private final Connection connection;
    private final Object lock;
    private final FileTransfers files;

    DefaultAgentClient(
            Settings settings,
            String username,
            String password,
            String token,
            AgentListener listener,
            PresenceStatus presence) {
        this.session = new AgentSession(settings, this, username, password, token, listener, presence);
        this.connection = session.connection();
        this.lock = connection.lock();
        this.files = new FileTransfers(connection, settings, () -> {
            synchronized (lock) {
                String current = session.token();
                return current == null ? null : "Bearer " + current;
            }
        });
    }

    /** Connects; a caller that gives up on the returned future (cancel, orTimeout) closes the client. */
    CompletableFuture<AgentClient> start() {
        CompletableFuture<AgentClient> connected = connection.start().thenApply(ignored -> this);
        connected.whenComplete((client, error) -> {
            if (error != null) {
                close();
            }
        });
        return connected;
    }

    // ---- requests

    @Override
    public CompletableFuture<Void> presence(PresenceStatus status) {
        Objects.requireNonNull(status, "status");
        synchronized (lock) {
            session.presence(status);
        }
        return Results.mapped(
                connection.request(new ClientMessage.Presence(Connection.newId(), status), ServerMessage.Ack.class),
                ack -> null);
    }

    @Override
    public CompletableFuture<Assignment> accept(String conversationId) {
        Objects.requireNonNull(conversationId, "conversationId");
        synchronized (lock) {
            session.accepting(conversationId, true);
        }
        CompletableFuture<ServerMessage.Assigned> answer = connection.request(
                new ClientMessage.Accept(Connection.newId(), conversationId), ServerMessage.Assigned.class);
        answer.whenComplete((assigned, error) -> {
            synchronized (lock) {
                session.accepting(conversationId, false);
            }
        });
        return Results.mapped(answer, assigned -> Results.assignment(assigned, false));
    }

    @Override
    public CompletableFuture<Stored> send(String conversationId, String text) {
        return send(conversationId, text, RequestOptions.defaults());
    }

    @Override
    public CompletableFuture<Stored> send(String conversationId, String text, RequestOptions options) {
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(options, "options");
        ClientMessage.Send message = new ClientMessage.Send(Connection.idFor(options), conversationId, text, null);
        return Results.mapped(connection.request(message, ServerMessage.Ack.class, options), Results::stored);
    }

    @Override
    public CompletableFuture<SentFile> sendFile(String conversationId, Path file) {
        Objects.requireNonNull(conversationId, "conversationId");
        return sendFile(conversationId, FileUpload.of(file), RequestOptions.defaults());
    }

    @Override
    public CompletableFuture<SentFile> sendFile(String conversationId, FileUpload file, RequestOptions options) {
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(options, "options");
        if (conversationId.isBlank()) {
            throw new IllegalArgumentException("conversationId must not be blank");
        }
        return files.send(file, options, deadline -> CompletableFuture.completedFuture(conversationId));
    }

    @Override
    public CompletableFuture<DownloadUrl> downloadUrl(String conversationId, String attachmentId) {
        return files.url(conversationId, attachmentId);
    }

    @Override
    public CompletableFuture<Path> download(String conversationId, String attachmentId, Path target) {
        return files.download(conversationId, attachmentId, target);
    }

    @Override
    public CompletableFuture<Stored> transfer(String conversationId, String agentId, String note, boolean force) {
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(agentId, "agentId");
        return stored(new ClientMessage.Transfer(
                Connection.newId(), conversationId, agentId, null, note, force ? Boolean.TRUE : null));
    }

    @Override
    public CompletableFuture<Stored> transferToDepartment(String conversationId, String department, String note) {
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(department, "department");
        return stored(new ClientMessage.Transfer(Connection.newId(), conversationId, null, department, note));
    }

    @Override
    public CompletableFuture<Stored> note(String conversationId, String text) {
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(text, "text");
        return stored(new ClientMessage.Note(Connection.newId(), conversationId, text));
    }

    @Override
    public void receipt(String conversationId, long seq, ReceiptStatus status) {
        Objects.requireNonNull(conversationId, "conversationId");
        Objects.requireNonNull(status, "status");
        connection.sendIfOpen(new ClientMessage.Receipt(null, conversationId, seq, status));
    }

    @Override
    public CompletableFuture<Stored> closeConversation(String conversationId, String reason) {
        Objects.requireNonNull(conversationId, "conversationId");
        return stored(new ClientMessage.Close(Connection.newId(), conversationId, reason));
    }

    @Override
    public CompletableFuture<History> history(String conversationId, long afterSeq) {
        Objects.requireNonNull(conversationId, "conversationId");
        return HistoryPages.read(connection, conversationId, afterSeq);
    }

    @Override
    public CompletableFuture<QueuePage> queuePage(int offset) {
        return Results.mapped(
                connection.request(new ClientMessage.QueuePage(Connection.newId(), offset), ServerMessage.Queue.class),
                Results::queuePage);
    }

    @Override
    public void typing(String conversationId, boolean typing) {
        Objects.requireNonNull(conversationId, "conversationId");
        connection.sendIfOpen(new ClientMessage.Typing(null, conversationId, typing));
    }

    private CompletableFuture<Stored> stored(ClientMessage request) {
        return Results.mapped(connection.request(request, ServerMessage.Ack.class), Results::stored);
    }

    // ---- accessors

    @Override
    public AgentInfo agent() {
        synchronized (lock) {
            return session.agent();
        }
    }

    @Override
    public Map<String, HandoffPackage> assignedConversations() {
        synchronized (lock) {
            return session.assigned();
        }
    }

    @Override
    public List<QueueEntry> queue() {
        synchronized (lock) {
            return session.queue();
        }
    }

    @Override
    public List<TranscriptEvent> transcript(String conversationId) {
        Objects.requireNonNull(conversationId, "conversationId");
        synchronized (lock) {
            return session.transcript(conversationId);
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
        return "AgentClient[" + session.endpoint(connection.server()) + ", " + state() + "]";
    }
}
