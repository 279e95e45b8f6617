package dev.concierge.client;

import dev.concierge.protocol.wire.ClientMessage;
import dev.concierge.protocol.wire.ServerMessage;
import java.util.HashSet;
import java.util.Set;

/**
 * The history reads a client makes on its own to fetch what it missed (a gap in the live events,
 * the time a socket was down), each followed page by page to the last. Their replies are merged
 * like any transcript; this only knows which replies are its own. Guarded by the connection's lock.
 */
final class CatchUps {
    private final Connection connection;
    private final Object lock;
    /** Ids of the reads not answered yet. */
    private final Set<String> pending = new HashSet<>();

    CatchUps(Connection connection) {
        this.connection = connection;
        this.lock = connection.lock();
    }

    /** Reads the events of {@code conversation} after {@code afterSeq}. */
    void read(String conversation, long afterSeq) {
        ClientMessage.History request = new ClientMessage.History(Connection.newId(), conversation, afterSeq);
        pending.add(request.id());
        connection.request(request, ServerMessage.Transcript.class).whenComplete((page, error) -> {
            if (error != null) {
                synchronized (lock) {
                    pending.remove(request.id());
                }
            }
        });
    }

    /** Whether {@code transcript} answers one of these reads; it is then no longer pending. */
    boolean claims(ServerMessage.Transcript transcript) {
        return transcript.ref() != null && pending.remove(transcript.ref());
    }

    /** Reads the page after {@code transcript}, one page of a long transcript, if it has more. */
    void readOn(ServerMessage.Transcript transcript) {
        if (transcript.hasMore() && !transcript.events().isEmpty()) {
            read(
                    transcript.conversationId(),
                    transcript.events().get(transcript.events().size() - 1).seq());
        }
    }
}
