package dev.concierge.client;

import dev.concierge.protocol.ReceiptStatus;
import dev.concierge.protocol.Suggestion;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.VisitorContext;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ServerMessage;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A visitor's client: its requests and what it has seen. What the server's frames mean (the
 * current conversation, its transcript) is the {@link VisitorSession}'s.
 */
final class DefaultVisitorClient implements VisitorClient {
    private final VisitorSession session;
    private final Connection connection;
    private final Object lock;
    private final FileTransfers files;

    DefaultVisitorClient(
            Settings settings, String site, String visitorToken, VisitorContext context, VisitorListener listener) {
        this.session = new VisitorSession(settings, this, site, visitorToken, context, listener);
        this.connection = session.connection();
        this.lock = connection.lock();
        this.files = new FileTransfers(connection, settings, () -> {
            synchronized (lock) {
                String token = session.visitorToken();
                return token == null ? null : "Visitor " + token;
            }
        });
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
    public CompletableFuture<Stored> send(String text) {
        return send(text, RequestOptions.defaults());
    }

    @Override
    public CompletableFuture<Stored> send(String text, RequestOptions options) {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(options, "options");
        synchronized (lock) {
            ClientMessage.Send message =
                    new ClientMessage.Send(Connection.idFor(options), session.openConversation(), text, null);
            return Results.mapped(connection.request(message, ServerMessage.Ack.class, options), Results::stored);
        }
    }

    @Override
    public CompletableFuture<Answer> ask(String text) {
        return ask(text, RequestOptions.defaults());
    }

    @Override
    public CompletableFuture<Answer> ask(String text, RequestOptions options) {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(options, "options");
        synchronized (lock) {
            return session.asks()
                    .ask(
                            new ClientMessage.Send(Connection.idFor(options), session.openConversation(), text, null),
                            options);
        }
    }

    @Override
    public CompletableFuture<Stored> choose(Suggestion suggestion) {
        Objects.requireNonNull(suggestion, "suggestion");
        synchronized (lock) {
            return request(new ClientMessage.Send(
                    Connection.newId(), session.openConversation(), suggestion.question(), suggestion.entryId()));
        }
    }

    @Override
    public CompletableFuture<SentFile> sendFile(Path file) {
        return sendFile(FileUpload.of(file), RequestOptions.defaults());
    }

    @Override
    public CompletableFuture<SentFile> sendFile(FileUpload file, RequestOptions options) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(options, "options");
        return files.send(file, options, deadline -> {
            synchronized (lock) {
                String open = session.openConversation();
                if (open != null) {
                    return CompletableFuture.completedFuture(open);
                }
                // Without an open conversation the file's name starts one, as in the widget.
                return Results.mapped(
                        connection.request(
                                new ClientMessage.Send(Connection.newId(), null, file.name(), null),
                                ServerMessage.Ack.class,
                                RequestOptions.defaults().withDeadline(deadline)),
                        ServerMessage.Ack::conversationId);
            }
        });
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
    public CompletableFuture<Stored> requestHuman() {
        synchronized (lock) {
            return request(new ClientMessage.Handoff(Connection.newId(), session.openConversation()));
        }
    }

    @Override
    public CompletableFuture<Stored> requestHuman(String department) {
        Objects.requireNonNull(department, "department");
        synchronized (lock) {
            return request(new ClientMessage.Handoff(Connection.newId(), session.openConversation(), department));
        }
    }

    @Override
    public CompletableFuture<Stored> leaveMessage(String name, String email, String text) {
        Objects.requireNonNull(email, "email");
        Objects.requireNonNull(text, "text");
        synchronized (lock) {
            return request(
                    new ClientMessage.LeaveMessage(Connection.newId(), session.openConversation(), name, email, text));
        }
    }

    @Override
    public CompletableFuture<Stored> emailTranscript(Optional<String> address) {
        Objects.requireNonNull(address, "address");
        synchronized (lock) {
            return request(new ClientMessage.TranscriptEmail(
                    Connection.newId(), session.openConversation(), address.orElse(null)));
        }
    }

    @Override
    public CompletableFuture<Void> updateContext(VisitorContext context) {
        Objects.requireNonNull(context, "context");
        return Results.mapped(
                connection.request(
                        new ClientMessage.UpdateContext(Connection.newId(), context), ServerMessage.Ack.class),
                ack -> null);
    }

    @Override
    public void receipt(long seq, ReceiptStatus status) {
        Objects.requireNonNull(status, "status");
        synchronized (lock) {
            String current = session.current();
            if (current != null) {
                connection.sendIfOpen(new ClientMessage.Receipt(null, current, seq, status));
            }
        }
    }

    @Override
    public CompletableFuture<Stored> closeConversation(String reason) {
        synchronized (lock) {
            String current = session.current();
            if (current == null) {
                return noConversation();
            }
            return request(new ClientMessage.Close(Connection.newId(), current, reason));
        }
    }

    @Override
    public CompletableFuture<Stored> rate(int score, String comment) {
        if (score < 1 || score > 5) {
            throw new IllegalArgumentException("score must be 1 to 5, was " + score);
        }
        synchronized (lock) {
            String current = session.current();
            if (current == null) {
                return noConversation();
            }
            return request(new ClientMessage.Rate(Connection.newId(), current, score, comment));
        }
    }

    @Override
    public CompletableFuture<History> history(String conversationId, long afterSeq) {
        Objects.requireNonNull(conversationId, "conversationId");
        return HistoryPages.read(connection, conversationId, afterSeq);
    }

    @Override
    public void typing(boolean typing) {
        synchronized (lock) {
            String conversation = session.openConversation();
            if (conversation != null) {
                connection.sendIfOpen(new ClientMessage.Typing(null, conversation, typing));
            }
        }
    }

    private CompletableFuture<Stored> request(ClientMessage message) {
        return Results.mapped(connection.request(message, ServerMessage.Ack.class), Results::stored);
    }

    private static CompletableFuture<Stored> noConversation() {
        return CompletableFuture.failedFuture(new NoConversationException("The visitor has no conversation yet."));
    }

    // ---- accessors

    @Override
    public Optional<String> conversationId() {
        synchronized (lock) {
            return Optional.ofNullable(session.current());
        }
    }

    @Override
    public String visitorId() {
        synchronized (lock) {
            return session.visitorId();
        }
    }

    @Override
    public String visitorToken() {
        synchronized (lock) {
            return session.visitorToken();
        }
    }

    @Override
    public List<TranscriptEvent> transcript() {
        synchronized (lock) {
            return session.transcript();
        }
    }

    @Override
    public Optional<QueueStatus> queueStatus() {
        synchronized (lock) {
            return Optional.ofNullable(session.queueStatus());
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
        return "VisitorClient[" + session.endpoint(connection.server()) + ", " + state() + "]";
    }
}
