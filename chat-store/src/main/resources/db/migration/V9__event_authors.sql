-- The name of a visitor who wrote events, once per conversation instead of once per event
-- (docs/storage.md). An event's author_json names the visitor by role and id only; the store
-- fills the name in from here when it reads the event. The name is the visitor's latest in that
-- conversation: the writer updates the row when it changes. Rows written before this table keep
-- the name in author_json and read as before. A name may be 200 characters: stored with every
-- event it cost up to 200 bytes a message; here it costs one row per conversation.
CREATE TABLE event_authors (
    conversation_id TEXT NOT NULL,
    role            TEXT NOT NULL,
    author_id       TEXT NOT NULL,
    name            TEXT NOT NULL,
    PRIMARY KEY (conversation_id, role, author_id)
);
