package dev.concierge.client;

import dev.concierge.protocol.AgentInfo;
import dev.concierge.protocol.ErrorCode;
import dev.concierge.protocol.HandoffPackage;
import dev.concierge.protocol.PresenceStatus;
import dev.concierge.protocol.QueueEntry;
import dev.concierge.protocol.TranscriptEvent;
import dev.concierge.protocol.TranscriptEvent.Kind;
import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ProtocolCodec;
import dev.concierge.protocol.wire.ServerMessage;
import java.net.URI;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * What the server's frames mean to an agent: the session token and its login, the queue, the
 * assigned conversations and their transcripts (the handoff package's, then every later event).
 * {@link DefaultAgentClient} makes the requests and reads the state; both under the connection's
 * lock, but {@link #prepare}.
 */
final class AgentSession implements ConnectionSession {
    /** How many fresh tokens in a row may be refused before the client gives up (see {@link #reauthenticate}). */
    private static final int MAX_FRESH_REFUSALS = 2;

    private final Connection connection;
    private final Object lock;
    private final Settings settings;
    private final String username;
    private final String password;
    private final AgentListener listener;
    /** The client the listener is told about. */
    private final AgentClient client;
    /** The presence the agent last asked for (null: none yet), said in every hello. */
    private volatile PresenceStatus presence;

    // Guarded by lock.
    private String token;
    private boolean freshLogin;
    /**
     * Fresh tokens refused in a row. In a cluster a token issued by one node can be refused by
     * another that has not heard of it yet; a few more sign-ins are worth it, not an endless loop.
     */
    private int freshRefusals;

    private AgentInfo agent;
    private List<QueueEntry> queue = List.of();
    private final Map<String, HandoffPackage> assigned = new LinkedHashMap<>();
    private final Map<String, ConversationLog> logs = new HashMap<>();
    /** Conversations assigned to this agent at some point: their events reach the listener. */
    private final Set<String> everAssigned = new HashSet<>();
    /** Packages with only their last events, held while the earlier ones are read. */
    private final HandoffCompletion completion;
    /** The history reads the client makes itself, whose pages it follows to the end. */
    private final CatchUps catchUps;
    /**
     * From a welcome to the first frame that is not part of the server's greeting (settings, the
     * packages of the conversations the agent owns, their receipts): a package sent then, and
     * not asked for with {@link AgentClient#accept}, is of a conversation the agent owned when the socket
     * connected.
     */
    private boolean greeting;
    /** Conversations this client asked to {@link AgentClient#accept}, until answered. */
    private final Set<String> accepting = new HashSet<>();
    /** Conversations whose package came in a greeting and is not yet reported. */
    private final Set<String> resuming = new HashSet<>();

    AgentSession(
            Settings settings,
            AgentClient client,
            String username,
            String password,
            String token,
            AgentListener listener,
            PresenceStatus presence) {
        this.client = client;
        this.presence = presence;
        this.settings = settings;
        this.username = username;
        this.password = password;
        this.token = token;
        this.listener = listener;
        this.connection = new Connection(settings, this);
        this.lock = connection.lock();
        this.completion = new HandoffCompletion(connection, this::delivered);
        this.catchUps = new CatchUps(connection);
    }

    Connection connection() {
        return connection;
    }

    // ---- what the client tells and reads: under the lock

    /** The presence to say in every hello from now on. */
    void presence(PresenceStatus status) {
        presence = status;
    }

    /** The client asks to accept {@code conversationId} (true) or has its answer (false). */
    void accepting(String conversationId, boolean pending) {
        if (pending) {
            accepting.add(conversationId);
        } else {
            accepting.remove(conversationId);
        }
    }

    AgentInfo agent() {
        return agent;
    }

    /** The session token; null while signing in again. */
    String token() {
        return token;
    }

    Map<String, HandoffPackage> assigned() {
        return Map.copyOf(assigned);
    }

    List<QueueEntry> queue() {
        return queue;
    }

    List<TranscriptEvent> transcript(String conversationId) {
        ConversationLog log = logs.get(conversationId);
        return log == null ? List.of() : log.events();
    }

    // ---- ConnectionSession

    @Override
    public URI endpoint(URI server) {
        return Settings.socketUri(server, "/ws/agent");
    }

    @Override
    public CompletableFuture<URI> prepare(URI server) {
        synchronized (lock) {
            if (token != null) {
                return CompletableFuture.completedFuture(server);
            }
        }
        // Starts at this attempt's server and fails over to the next ones; the socket then opens
        // on the server that answered.
        return AgentLogin.login(
                        settings.httpClient(),
                        connection.codec().mapper(),
                        settings.serverUris(),
                        settings.serverUris().indexOf(server),
                        username,
                        password,
                        settings.connectTimeout())
                .thenApply(session -> {
                    synchronized (lock) {
                        token = session.token();
                        freshLogin = true;
                        if (session.agent() != null) {
                            agent = session.agent();
                        }
                    }
                    return session.server();
                });
    }

    @Override
    public ClientMessage.Hello hello(String id) {
        return new ClientMessage.Hello(id, ProtocolCodec.VERSION, null, null, token, null, null, null, null, presence);
    }

    @Override
    public boolean reauthenticate() {
        // A token just issued by a login and refused at once would loop: give up after a few.
        if (username == null || (freshLogin && ++freshRefusals > MAX_FRESH_REFUSALS)) {
            return false;
        }
        token = null;
        return true;
    }

    @Override
    public void onFrame(ServerMessage frame) {
        if (!(frame instanceof ServerMessage.Settings
                || frame instanceof ServerMessage.Assigned
                || frame instanceof ServerMessage.Receipt)) {
            greeting = false; // a welcome sets it again below
        }
        if (frame instanceof ServerMessage.Welcome welcome) {
            if (welcome.agent() != null) {
                agent = welcome.agent();
            }
            freshLogin = false;
            freshRefusals = 0;
            greeting = true;
            connection.markReady();
        } else if (frame instanceof ServerMessage.Queue update) {
            queue = update.entries();
            QueuePage page = Results.queuePage(update);
            connection.emit(() -> listener.onQueue(client, page));
        } else if (frame instanceof ServerMessage.Assigned assignment) {
            onAssigned(assignment);
        } else if (frame instanceof ServerMessage.Event event) {
            onEvent(event.conversationId(), event.toTranscriptEvent());
        } else if (frame instanceof ServerMessage.Transcript transcript) {
            ConversationLog log = logs.get(transcript.conversationId());
            if (log != null) {
                for (TranscriptEvent event : log.merge(transcript.events())) {
                    applied(transcript.conversationId(), event);
                }
            }
            if (catchUps.claims(transcript)) {
                catchUps.readOn(transcript); // a page of what was missed: read on
            }
        } else if (frame instanceof ServerMessage.Typing typing) {
            connection.emit(() -> listener.onTyping(client, Results.typing(typing)));
        } else if (frame instanceof ServerMessage.Released released) {
            // No longer ours: a later assignment of the same conversation is a new package.
            assigned.remove(released.conversationId());
            connection.emit(() -> listener.onReleased(client, Results.released(released)));
        } else if (frame instanceof ServerMessage.Agents agents) {
            connection.emit(() -> listener.onAgents(client, agents.agents()));
        } else if (frame instanceof ServerMessage.Settings settings) {
            connection.emit(() -> listener.onSettings(client, Results.settings(settings)));
        } else if (frame instanceof ServerMessage.Alert alert) {
            connection.emit(() -> listener.onAlert(client, Results.alert(alert)));
        } else if (frame instanceof ServerMessage.Receipt receipt) {
            connection.emit(() -> listener.onReceipt(client, Results.receipt(receipt)));
        } else if (frame instanceof ServerMessage.VisitorUpdate update) {
            connection.emit(() -> listener.onVisitorUpdate(client, Results.visitorUpdate(update)));
        }
        // ack: matched by the connection; queue_status and availability are for visitors.
    }

    private void onAssigned(ServerMessage.Assigned assignment) {
        String conversation = assignment.conversationId();
        if (conversation == null || assignment.handoff() == null) {
            return;
        }
        HandoffPackage handoff = assignment.handoff();
        if (greeting && !accepting.contains(conversation)) {
            resuming.add(conversation);
        }
        ConversationLog seen = logs.get(conversation);
        if (!handoff.complete()
                && !handoff.transcript().isEmpty()
                && (seen == null
                        || !seen.hasAllBefore(handoff.transcript().get(0).seq()))) {
            // Only the last events: read the earlier ones before reporting the assignment.
            completion.complete(assignment);
            return;
        }
        delivered(assignment);
    }

    /** Records a package whose transcript is whole and reports it. Under the lock. */
    private void delivered(ServerMessage.Assigned assignment) {
        String conversation = assignment.conversationId();
        boolean known = assigned.put(conversation, assignment.handoff()) != null;
        boolean resumed = resuming.remove(conversation);
        everAssigned.add(conversation);
        ConversationLog log = logs.computeIfAbsent(conversation, c -> new ConversationLog());
        List<TranscriptEvent> added = log.merge(assignment.handoff().transcript());
        connection.completeFirst(
                message -> message instanceof ClientMessage.Accept accept
                        && accept.conversationId().equals(conversation),
                assignment);
        if (!known) {
            Assignment reported = Results.assignment(assignment, resumed);
            connection.emit(() -> listener.onAssigned(client, reported));
        } else {
            for (TranscriptEvent event : added) {
                applied(conversation, event);
            }
        }
    }

    private void onEvent(String conversation, TranscriptEvent event) {
        if (conversation == null) {
            return;
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

    /** A new event was added to {@code conversation}'s log: track ownership, tell the listener. */
    private void applied(String conversation, TranscriptEvent event) {
        boolean closed = event.kind() == Kind.CLOSED;
        boolean transferred = event.kind() == Kind.ASSIGNED
                && event.agent() != null
                && agent != null
                && !event.agent().id().equals(agent.id());
        if (closed || transferred) {
            assigned.remove(conversation);
        }
        if (everAssigned.contains(conversation)) {
            // Events that race ahead of the assigned frame are reported as part of its package.
            connection.emit(() -> listener.onEvent(client, conversation, event));
        }
    }

    @Override
    public void onReady(boolean resumed) {
        if (!resumed) {
            return;
        }
        // Events of our conversations may have passed while the socket was down.
        for (String conversation : assigned.keySet()) {
            catchUps.read(conversation, logs.get(conversation).lastSeq());
        }
    }

    @Override
    public ClientMessage retryAs(ClientMessage request, ServerMessage.Error error) {
        if (request instanceof ClientMessage.History history
                && ErrorCode.NOT_FOUND.wire().equals(error.code())) {
            assigned.remove(history.conversationId()); // gone while we were away
        }
        return null; // an agent names its conversations: nothing to retry differently
    }

    @Override
    public void onPhase(Connection.Phase phase) {
        AgentClient.State state = AgentClient.State.valueOf(phase.name());
        connection.emit(() -> listener.onStateChanged(client, state));
    }

    @Override
    public void onError(ServerMessage.Error error) {
        ConciergeClientException refused = Results.error(error);
        connection.emit(() -> listener.onError(client, refused));
    }
}
