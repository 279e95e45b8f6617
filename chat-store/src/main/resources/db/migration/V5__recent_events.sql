-- Relay speed (issue #8): new events are appended to recent_events, a table with no index, and
-- the store's writer moves them into events in batches, sorted by conversation and seq
-- (JdbcWriter with EventMerge). Writing each message straight into events touched the index leaf
-- of its conversation: with one message in flight per conversation, nearly every stored message
-- dirtied a page of its own, which SQLite wrote twice (the WAL, then the checkpoint). Appended
-- rows share pages, and a merge writes each conversation's leaf once for all its new rows.
-- Nothing is lost or reordered: a merge is one transaction (insert into events, delete from
-- recent_events), and readers see the two tables through one view.
CREATE TABLE recent_events (
    conversation_id TEXT    NOT NULL,
    seq             BIGINT  NOT NULL,
    client_id       TEXT,
    ts              BIGINT  NOT NULL,
    kind            TEXT    NOT NULL,
    author_json     TEXT,
    text            TEXT,
    bot_json        TEXT,
    reason          TEXT,
    agent_json      TEXT,
    score           INTEGER,
    comment         TEXT
);

-- Every stored event, merged or not: what the store reads.
CREATE VIEW stored_events AS
    SELECT conversation_id, seq, client_id, ts, kind, author_json, text, bot_json, reason, agent_json,
           score, comment
    FROM events
    UNION ALL
    SELECT conversation_id, seq, client_id, ts, kind, author_json, text, bot_json, reason, agent_json,
           score, comment
    FROM recent_events;
