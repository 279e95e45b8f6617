-- Concierge's durable store: one script for SQLite and PostgreSQL alike, so only plain types
-- (TEXT, BIGINT, INTEGER) and syntax both engines share. Times are BIGINT microseconds since
-- the epoch (UTC): exact for the JVM's clock, sortable, and the same on both engines. Nested
-- protocol values (author, bot turn, agent, visitor context) are JSON text written by the
-- protocol codec. No foreign keys: the single writer orders the writes, and SQLite would not
-- enforce them by default anyway.

CREATE TABLE visitors (
    id           TEXT    NOT NULL PRIMARY KEY,
    -- SHA-256 of the visitor's secret token, lower-case hex; the token itself is never stored.
    token_hash   TEXT    NOT NULL UNIQUE,
    context_json TEXT    NOT NULL,
    first_seen   BIGINT  NOT NULL
);

CREATE TABLE conversations (
    id             TEXT    NOT NULL PRIMARY KEY,
    visitor_id     TEXT    NOT NULL,
    state          TEXT    NOT NULL,
    agent_id       TEXT,
    started_at     BIGINT  NOT NULL,
    first_line     TEXT,
    score          INTEGER,
    queued_at      BIGINT,
    assigned_at    BIGINT,
    handoff_reason TEXT,
    updated_at     BIGINT  NOT NULL
);

-- A returning visitor's earlier conversations, oldest first.
CREATE INDEX conversations_by_visitor ON conversations (visitor_id, started_at);
-- What a restarted server picks up again: everything not closed.
CREATE INDEX conversations_by_state ON conversations (state, started_at);

CREATE TABLE events (
    conversation_id TEXT    NOT NULL,
    seq             BIGINT  NOT NULL,
    -- The id the client gave its message, for idempotent resends; NULL for server events.
    client_id       TEXT,
    ts              BIGINT  NOT NULL,
    kind            TEXT    NOT NULL,
    author_json     TEXT,
    text            TEXT,
    bot_json        TEXT,
    reason          TEXT,
    agent_json      TEXT,
    score           INTEGER,
    comment         TEXT,
    PRIMARY KEY (conversation_id, seq)
);

-- Both engines treat NULLs as distinct here, so only non-null client ids must be unique.
CREATE UNIQUE INDEX events_by_client_id ON events (conversation_id, client_id);
