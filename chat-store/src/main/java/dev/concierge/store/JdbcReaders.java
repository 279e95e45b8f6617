package dev.concierge.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A few read connections in auto-commit mode, each used by one reader at a time. Enough for the
 * store's short queries; a pool library would not earn its place. With SQLite in WAL mode the
 * readers never wait for the writer, nor the writer for them.
 */
final class JdbcReaders implements AutoCloseable {
    /** Reads one thing on a connection. */
    interface Query<T> {
        T run(Connection connection) throws SQLException;
    }

    private static final Logger log = LoggerFactory.getLogger(JdbcReaders.class);

    private final JdbcDatabase database;
    private int opened; // connections made; the constructor's, then close()'s
    // Optional.empty() is the closed marker: whoever takes it puts it back and gives up.
    private final BlockingQueue<Optional<Connection>> idle;
    private volatile boolean closed;

    /** Opens {@code size} connections. */
    JdbcReaders(JdbcDatabase database, int size) {
        this.database = database;
        this.idle = new ArrayBlockingQueue<>(size + 1);
        try {
            for (int i = 0; i < size; i++) {
                idle.add(Optional.of(database.connect()));
                opened++;
            }
        } catch (SQLException e) {
            close();
            throw new StoreException("cannot connect to " + database.url(), e);
        }
    }

    /** Runs a query on an idle connection, waiting for one if all are busy. */
    <T> T read(String what, Query<T> query) {
        Connection c = borrow(what);
        try {
            return query.run(c);
        } catch (SQLException e) {
            c = replaceIfBroken(c);
            throw new StoreException("store could not read " + what, e);
        } finally {
            idle.add(Optional.of(c));
        }
    }

    /** Closes the connections once their current readers are done; later reads fail. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = 0; i < opened; i++) {
            Optional<Connection> c = takeUninterruptibly(); // waits for a reader to finish
            try {
                c.orElseThrow().close();
            } catch (SQLException e) {
                log.debug("closing a read connection failed", e);
            }
        }
        idle.add(Optional.empty());
    }

    private Connection borrow(String what) {
        if (closed) {
            throw new StoreException("store is closed: cannot read " + what);
        }
        Optional<Connection> c = takeUninterruptibly();
        if (c.isEmpty()) {
            idle.add(c);
            throw new StoreException("store is closed: cannot read " + what);
        }
        return c.get();
    }

    private Connection replaceIfBroken(Connection c) {
        try {
            if (c.isValid(2)) {
                return c;
            }
        } catch (SQLException ignored) {
            // treat as broken
        }
        try {
            Connection fresh = database.connect();
            c.close();
            return fresh;
        } catch (SQLException e) {
            return c; // keep the broken one: the next read tries again
        }
    }

    private Optional<Connection> takeUninterruptibly() {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return idle.take();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
