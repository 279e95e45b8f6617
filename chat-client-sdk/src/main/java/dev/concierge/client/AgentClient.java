package dev.concierge.client;

import dev.concierge.protocol.AgentInfo;
import dev.concierge.protocol.HandoffPackage;
import dev.concierge.protocol.PresenceStatus;
import dev.concierge.protocol.QueueEntry;
import dev.concierge.protocol.ReceiptStatus;
import dev.concierge.protocol.TranscriptEvent;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * An agent's live connection to a Concierge server: take conversations from the queue, answer
 * visitors, close conversations. For bots and integrations; people use the web console.
 *
 * <pre>{@code
 * AgentClient agent = AgentClient.builder()
 *         .serverUri(URI.create("http://127.0.0.1:8080"))
 *         .credentials("demo", "demo-password")
 *         .listener(new AgentListener() {
 *             @Override public void onAssigned(AgentClient client, Assignment assignment) {
 *                 System.out.println("New chat: " + assignment.handoff().question());
 *                 client.send(assignment.conversationId(), "Hello, I'm here to help.");
 *             }
 *         })
 *         .connect().join();
 * }</pre>
 *
 * <h2>States</h2>
 * The same as {@link VisitorClient}: {@code CONNECTING → OPEN → RECONNECTING → OPEN ... →
 * CLOSED}. The first connect, login included, tries again until the
 * {@link Builder#connectTimeout(Duration) connect timeout} (default 10 s) has passed in all, then
 * fails with a {@link ConnectFailedException}; once open, a lost socket is reopened until
 * {@link #close()}, or until {@link Builder#giveUpAfter(Duration) giveUpAfter} (default 15
 * minutes) has passed without a welcome, or not at all with
 * {@link Builder#reconnect(boolean) reconnect(false)}; then requests still waiting fail with a
 * {@link ConnectionLostException}. With credentials the client logs in
 * ({@code POST /api/agent/login}) before the first socket, and again when the server rejects its
 * session token on a reconnect. Refused credentials (HTTP 401) end the connect, or close the
 * client, with a {@link ServerRefusedException} ({@code unauthorized}). With a token only, a
 * rejected token ({@code error unauthorized}, close code 1008) closes the client for good, with
 * the same exception.
 *
 * <h2>Nothing lost, nothing twice</h2>
 * Requests keep their {@code id} (a fresh UUID, or the caller's:
 * {@link RequestOptions#withRequestId(String)}) and stay in an outbox until answered; after a
 * reconnect they are sent again with the same ids, and so is a request the server could not
 * store (an {@code internal} error), after a backoff (with reconnecting turned off its future
 * fails instead). The server stores an id once, so a resend is never stored twice. After a
 * reconnect the client also asks for the {@code history} of each assigned conversation after the
 * highest {@code seq} it has seen, so {@link #transcript(String)} holds every event once, in
 * order.
 *
 * <h2>Deadlines</h2>
 * As for {@link VisitorClient}: every request has a deadline counted from the call, the builder's
 * {@link Builder#requestTimeout(Duration) requestTimeout} (default 30 s) or its own
 * {@link RequestOptions#withDeadline(Duration)}. When it passes the request leaves the outbox, is
 * never sent again, and its future fails with a {@link DeadlineExceededException} whose
 * {@link DeadlineExceededException#withdrawn() withdrawn()} says whether the server may have it
 * (when it may, send it again with the same request id: it is stored once). Cancelling the future a
 * method returned, or failing it ({@code orTimeout}, {@code completeExceptionally}), withdraws
 * the request the same way.
 *
 * <h2>Conversations the agent already owns</h2>
 * On connect the server repeats the handoff package of every conversation the agent owns (from an
 * earlier session or another console): {@link AgentListener#onAssigned} is called for each, with
 * {@link Assignment#resumed()} true, so an integration that restarts picks them up. After a
 * reconnect of the same client only the events it missed are reported.
 *
 * <h2>Whole transcripts</h2>
 * The server sends a long conversation's handoff package with its last events only
 * ({@code transcriptTotal} counts them all, docs/protocol.md). The client then reads the earlier
 * ones with {@code history}, page by page, before it reports the assignment: the package given to
 * {@link AgentListener#onAssigned}, {@link #accept} and {@link #assignedConversations()} always
 * holds the whole transcript, so an integration never answers without having read it.
 *
 * <h2>The queue</h2>
 * The server sends the queue a page at a time (50 entries, {@code total} counts all); the
 * client sees the first page until it asks for another with {@link #queuePage(int)}.
 *
 * <h2>Threads</h2>
 * Thread-safe and non-blocking. Listener calls come one at a time, in order, never under a lock,
 * on the client's {@link Builder#executor executor} (by default the SDK's shared pool); futures
 * complete on that executor as well. Code that blocks there holds one of its threads: give it an
 * executor of its own.
 */
public interface AgentClient extends AutoCloseable {

    /**
     * A new builder; {@link Builder#serverUri(URI)} (or {@link Builder#serverUris(List)}) and
     * credentials or a token are required.
     *
     * @return a builder with the defaults
     */
    static Builder builder() {
        return new AgentClientBuilder();
    }

    /** The connection's lifecycle; see {@link VisitorClient} for the transitions. */
    enum State {
        /** The first connect (and login) is under way (trying again until the connect timeout). */
        CONNECTING,
        /** Connected and greeted: requests are sent at once. */
        OPEN,
        /**
         * The socket was lost; the client is reconnecting (until {@code giveUpAfter} without a
         * welcome) and requests wait in the outbox, each until its deadline.
         */
        RECONNECTING,
        /**
         * Closed for good. After {@link AgentClient#close()}, requests fail with a
         * {@link ClientClosedException}. When the client stopped by itself (the socket was lost
         * with {@code reconnect(false)}, {@code giveUpAfter} passed, the server refused the
         * token or the credentials), the requests that were waiting fail with a
         * {@link ConnectionLostException} (or the refusal: a {@link ServerRefusedException}, a
         * {@link ConnectFailedException} from the login), and requests made afterwards with a
         * {@link ConnectionLostException}.
         */
        CLOSED
    }

    /** Configures and opens an {@link AgentClient}. Setters check their argument at once. */
    interface Builder extends ConnectionOptions<Builder> {
        /**
         * Log in with a user name and password (and again whenever the session token is
         * rejected).
         *
         * @param username the agent's user name
         * @param password the agent's password
         * @return this builder
         * @throws NullPointerException when either is null
         * @throws IllegalArgumentException when {@code username} is blank
         */
        Builder credentials(String username, String password);

        /**
         * Use a session token from an earlier login instead of (or before) the credentials.
         *
         * @param sessionToken the token, 1 to 128 characters
         * @return this builder
         * @throws NullPointerException when {@code sessionToken} is null
         * @throws IllegalArgumentException when it is blank or longer than 128 characters
         */
        Builder token(String sessionToken);

        /**
         * Receives assignments, events, queue updates, typing, errors and state changes; default
         * one that ignores them all.
         *
         * @param listener the listener
         * @return this builder
         * @throws NullPointerException when {@code listener} is null
         */
        Builder listener(AgentListener listener);

        /**
         * The presence to sign in with; default none: the agent comes online (or keeps the
         * presence they have on another console). With {@code away} nothing is assigned until
         * {@link AgentClient#presence} says {@code online}. The client says hello again with the
         * presence last asked for after each reconnect.
         *
         * @param status {@code online} or {@code away}
         * @return this builder
         * @throws NullPointerException when {@code status} is null
         */
        Builder presence(PresenceStatus status);

        /**
         * Logs in if needed and connects. Completes after the server's {@code welcome}; fails with
         * a {@link ServerRefusedException} (code {@code unauthorized}) for bad credentials or
         * token, a {@link ConnectFailedException} when no server could be reached, greeted or
         * logged in to within the connect timeout. A caller that gives up on the returned future
         * ({@code cancel}, {@code orTimeout}) closes the client.
         *
         * @return the connected client, once greeted
         * @throws IllegalStateException when no server URI, or neither credentials nor token, was set
         */
        CompletableFuture<AgentClient> connect();
    }

    /**
     * Who the agent is, from the server's welcome.
     *
     * @return the agent's id and name
     */
    AgentInfo agent();

    /**
     * Goes {@code online} (new conversations are routed here) or {@code away}; a reconnect says
     * hello with this presence, so the agent stays as they chose.
     *
     * @param status {@code online} or {@code away}
     * @return completes when the server took it
     * @throws NullPointerException when {@code status} is null
     */
    CompletableFuture<Void> presence(PresenceStatus status);

    /**
     * Takes a queued conversation. Completes with its assignment (the handoff package, whose
     * transcript is whole), or fails with the server's error (code {@code bad_state} when it is no longer queued).
     *
     * @param conversationId a conversation of the queue
     * @return completes with the assignment; {@link AgentListener#onAssigned} is called for it too
     * @throws NullPointerException when {@code conversationId} is null
     * @throws IllegalArgumentException when it is blank or longer than 64 characters
     */
    CompletableFuture<Assignment> accept(String conversationId);

    /**
     * Transfers a conversation this agent owns to another online agent, with a note only agents
     * see. Completes when the {@code transferred} event is stored; fails with code
     * {@code unavailable} when that agent is not online, and {@code agent_at_capacity} when they
     * already have as many chats as the server's limit (then {@link #transfer(String, String,
     * String, boolean)} with {@code force} gives it to them anyway).
     *
     * @param conversationId a conversation this agent owns
     * @param agentId the agent to give it to
     * @param note for agents only, may be null
     * @return completes when the {@code transferred} event is stored
     * @throws NullPointerException when {@code conversationId} or {@code agentId} is null
     */
    default CompletableFuture<Stored> transfer(String conversationId, String agentId, String note) {
        return transfer(conversationId, agentId, note, false);
    }

    /**
     * {@link #transfer(String, String, String)}; with {@code force} the transfer goes through even
     * when the receiving agent is at their chat limit (they then have one over it). Use it after
     * the sender confirmed an {@code agent_at_capacity} refusal.
     *
     * @param conversationId a conversation this agent owns
     * @param agentId the agent to give it to
     * @param note for agents only, may be null
     * @param force true to give it even to an agent at their chat limit
     * @return completes when the {@code transferred} event is stored
     * @throws NullPointerException when {@code conversationId} or {@code agentId} is null
     */
    CompletableFuture<Stored> transfer(String conversationId, String agentId, String note, boolean force);

    /**
     * Transfers a conversation this agent owns to a department's queue (ahead of new arrivals,
     * never back to this agent), with a note only agents see.
     *
     * @param conversationId a conversation this agent owns
     * @param department the department whose queue it goes to
     * @param note for agents only, may be null
     * @return completes when the {@code transferred} event is stored
     * @throws NullPointerException when {@code conversationId} or {@code department} is null
     */
    CompletableFuture<Stored> transferToDepartment(String conversationId, String department, String note);

    /**
     * Adds an internal note: stored, shown to agents, never to the visitor.
     *
     * @param conversationId the conversation
     * @param text the note, up to 4,000 characters
     * @return completes when the note is stored
     * @throws NullPointerException when either is null
     * @throws IllegalArgumentException when {@code text} is blank or too long
     */
    CompletableFuture<Stored> note(String conversationId, String text);

    /**
     * Tells the visitor that events up to {@code seq} were received or read. Not acknowledged;
     * dropped while the socket is not open.
     *
     * @param conversationId the conversation
     * @param seq the highest {@code seq} received or read, from 1
     * @param status received or read
     * @throws NullPointerException when {@code conversationId} or {@code status} is null
     * @throws IllegalArgumentException when {@code seq} is below 1
     */
    void receipt(String conversationId, long seq, ReceiptStatus status);

    /**
     * Sends a message to the visitor of an assigned conversation.
     *
     * @param conversationId the conversation
     * @param text the message, up to 4,000 characters
     * @return completes when the server stored the message
     * @throws NullPointerException when either is null
     * @throws IllegalArgumentException when {@code text} is blank, longer than 4,000 characters
     *     or holds a control character other than tab and line breaks
     */
    CompletableFuture<Stored> send(String conversationId, String text);

    /**
     * {@link #send(String, String)} with a deadline or a request id of the caller's choosing: a
     * retry with the same request id is stored once.
     *
     * @param conversationId the conversation
     * @param text the message
     * @param options the request's deadline (else the builder's {@code requestTimeout}) and id
     *     (else a fresh UUID)
     * @return completes when the server stored the message
     * @throws IllegalArgumentException when a request with this id is still waiting for its answer
     */
    CompletableFuture<Stored> send(String conversationId, String text, RequestOptions options);

    /**
     * Sends a file to the visitor of a conversation, as
     * {@link #sendFile(String, FileUpload, RequestOptions)} does with the default options.
     *
     * @param conversationId the conversation
     * @param file a readable regular file, not empty; streamed from the disk
     * @return completes when the message carrying the file is stored, with it and the file
     * @throws NullPointerException when either is null
     * @throws IllegalArgumentException when {@code file} is not a readable regular file or is
     *     empty
     */
    CompletableFuture<SentFile> sendFile(String conversationId, Path file);

    /**
     * Sends a file as a message of a conversation (docs/attachments.md): uploads it over HTTP to
     * the server the client is connected to ({@code POST /api/conversations/{id}/attachments},
     * with the agent's session token), then sends the {@code message} frame that carries it
     * ({@code attachmentId}, with the upload's {@link FileUpload#text() text}) through the
     * outbox, as {@link #send(String, String, RequestOptions)} does: acknowledged once stored,
     * sent again with the same request id after a lost connection, stored once.
     *
     * <p>The deadline of {@code options} (else the builder's {@code requestTimeout}) bounds the
     * whole, upload included, from the call. When it passes, the future fails with a
     * {@link DeadlineExceededException} whose {@code withdrawn()} is true if the message was not
     * written yet; a retry with the same request id stores one message. Cancelling the future
     * stops the upload, or withdraws the message.
     *
     * @param conversationId the conversation, open
     * @param file the file and its text
     * @param options the deadline and the message's request id
     * @return completes when the message carrying the file is stored, with its {@code seq} and
     *     the file as the server decided it from its bytes; fails with a
     *     {@link ServerRefusedException} whose code says why the server refused the file
     *     ({@code too_large}, {@code unsupported_type}, {@code bad_state} for a closed
     *     conversation, {@code not_found}, {@code busy} with {@code retryAfter()},
     *     {@code unavailable}: as {@link VisitorClient#sendFile(FileUpload, RequestOptions)}), or
     *     with a {@link ConnectFailedException} when the upload could not reach the server
     * @throws NullPointerException when an argument is null
     * @throws IllegalArgumentException when a request with the options' id is still waiting for
     *     its answer on this client, or {@code conversationId} is blank
     * @throws IllegalStateException when {@code file} is an input stream that was sent before
     */
    CompletableFuture<SentFile> sendFile(String conversationId, FileUpload file, RequestOptions options);

    /**
     * A fresh URL of a file of a conversation ({@code GET
     * /api/conversations/{id}/attachments/{aid}}; any signed-in agent may read any
     * conversation's files), within the builder's {@code requestTimeout}. It works for a few
     * minutes: ask for one each time.
     *
     * @param conversationId the conversation whose event carries the file
     * @param attachmentId the file's id, {@link dev.concierge.protocol.Attachment#id()}
     * @return completes with the URL and when it expires; fails with a
     *     {@link ServerRefusedException} of code {@code not_found} when the conversation has no
     *     such file
     * @throws NullPointerException when an argument is null
     * @throws IllegalArgumentException when {@code attachmentId} is not an attachment id
     */
    CompletableFuture<DownloadUrl> downloadUrl(String conversationId, String attachmentId);

    /**
     * Downloads a file of a conversation into {@code target}, as
     * {@link VisitorClient#download(String, String, Path)} does: through a temporary file beside
     * it, moved into place once whole, within the builder's {@code requestTimeout}.
     *
     * @param conversationId the conversation whose event carries the file
     * @param attachmentId the file's id
     * @param target the file to write
     * @return completes with {@code target} once it holds the file; fails as
     *     {@link #downloadUrl} does
     * @throws NullPointerException when an argument is null
     * @throws IllegalArgumentException when {@code attachmentId} is not an attachment id
     * @throws java.io.UncheckedIOException when no file can be made in {@code target}'s
     *     directory
     */
    CompletableFuture<Path> download(String conversationId, String attachmentId, Path target);

    /**
     * Closes a conversation.
     *
     * @param conversationId the conversation
     * @param reason free text (e.g. {@code resolved}), at most 200 characters, may be null
     * @return completes when the {@code closed} event is stored
     * @throws NullPointerException when {@code conversationId} is null
     * @throws IllegalArgumentException when {@code reason} is too long or holds a control
     *     character
     */
    CompletableFuture<Stored> closeConversation(String conversationId, String reason);

    /**
     * The events of a conversation after {@code afterSeq} (0 for all): every page of them.
     *
     * @param conversationId the conversation
     * @param afterSeq the {@code seq} after which to read, 0 for all
     * @return completes with the events in {@code seq} order
     * @throws NullPointerException when {@code conversationId} is null
     * @throws IllegalArgumentException when {@code afterSeq} is negative
     */
    CompletableFuture<History> history(String conversationId, long afterSeq);

    /**
     * Tells the visitor whether the agent is typing; dropped while not open.
     *
     * @param conversationId the conversation
     * @param typing true when the agent started typing, false when they stopped
     * @throws NullPointerException when {@code conversationId} is null
     */
    void typing(String conversationId, boolean typing);

    /**
     * The conversations this agent owns now.
     *
     * @return their handoff packages (each with its whole transcript), by conversation id
     */
    Map<String, HandoffPackage> assignedConversations();

    /**
     * The queue as the client last heard of it.
     *
     * @return the entries of the latest page of the queue the server sent
     */
    List<QueueEntry> queue();

    /**
     * Shows the page of the queue from {@code offset} (0 to 1,000,000) from now on: completes with
     * that page ({@link QueuePage#total()} counts every entry); later updates keep the offset.
     *
     * @param offset the position of the page's first entry in the whole queue
     * @return completes with the page
     * @throws IllegalArgumentException when {@code offset} is not 0 to 1,000,000
     */
    CompletableFuture<QueuePage> queuePage(int offset);

    /**
     * The handoff transcript and every later event of a conversation.
     *
     * @param conversationId a conversation assigned to this agent
     * @return its events in {@code seq} order, each once; empty for a conversation the client
     *     has not seen
     * @throws NullPointerException when {@code conversationId} is null
     */
    List<TranscriptEvent> transcript(String conversationId);

    /**
     * The connection's state.
     *
     * @return the state now
     */
    State state();

    /**
     * The cluster node this client was connected to by the latest {@code welcome} (its
     * {@code node} field), or empty when that server named none (a single server). For
     * diagnostics and tests: which node of a cluster the client is on. It changes when a
     * reconnect reaches another node.
     *
     * @return the node's name; empty for a single server
     */
    Optional<String> serverNode();

    /**
     * Disconnects (assigned conversations stay assigned) and goes {@link State#CLOSED}. Requests
     * waiting for their answer fail with a {@link ClientClosedException}, and so do requests made
     * afterwards; a request already written may have been stored. Does nothing when already
     * closed.
     */
    @Override
    void close();
}
