-- Retention and erasure (docs/storage.md). Closed conversations older than the retention period
-- are purged, and an admin can erase a visitor; both delete the conversations' rows and events.
-- What the insights count of a deleted conversation stays here, anonymous: a fresh random id (not
-- the conversation's), no visitor, no text, no comment. Durations are milliseconds; times are
-- microseconds since the epoch, as everywhere.
CREATE TABLE conversation_figures (
    figure_id               TEXT    NOT NULL PRIMARY KEY,
    started_at              BIGINT  NOT NULL,
    state                   TEXT    NOT NULL,
    department              TEXT,
    agent_id                TEXT,
    outcome                 TEXT    NOT NULL,
    first_bot_reply_ms      BIGINT,
    queue_wait_ms           BIGINT,
    first_agent_response_ms BIGINT,
    handling_ms             BIGINT,
    transfers               INTEGER NOT NULL,
    offline_message         INTEGER NOT NULL,
    follow_up_ms            BIGINT,
    score                   INTEGER,
    visitor_messages        INTEGER NOT NULL,
    bot_answers             INTEGER NOT NULL,
    bot_misses              INTEGER NOT NULL
);
CREATE INDEX conversation_figures_by_start ON conversation_figures (started_at);

-- The ids of conversations just deleted. An event the merger was moving into the merged events
-- while the deletion ran could land there after it; the next purge deletes the events of these
-- ids again, then forgets ids older than a day. Random ids only: nothing about the visitor.
CREATE TABLE deleted_conversations (
    conversation_id TEXT   NOT NULL PRIMARY KEY,
    deleted_at      BIGINT NOT NULL
);

-- The purge looks for closed conversations by when they last changed.
CREATE INDEX conversations_by_update ON conversations (state, updated_at);
