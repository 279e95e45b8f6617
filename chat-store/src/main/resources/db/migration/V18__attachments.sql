-- Attachments (docs/attachments.md): one row per upload, the bytes once per content (SHA-256),
-- and the key download links are signed with. Times are microseconds since the epoch, as
-- everywhere. One script for SQLite and PostgreSQL: no foreign keys, as in every table here; the
-- code paths that delete a conversation (the purge, the erasure) delete its uploads too.

-- One upload. The columns name..height are the Attachment view messages carry; a message event
-- does not repeat them: the store reads them from here by (conversation_id, seq) when it reads
-- the events. seq is 0 until a message refers to the upload, then that message's seq, set in
-- the transaction that appends the message. uploaded_by: 'visitor:<id>' or 'agent:<id>'.
CREATE TABLE attachments (
    id              TEXT    NOT NULL PRIMARY KEY,
    conversation_id TEXT    NOT NULL,
    uploaded_by     TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    media_type      TEXT    NOT NULL,
    size            BIGINT  NOT NULL,
    width           INTEGER,
    height          INTEGER,
    sha256          TEXT    NOT NULL,
    created_at      BIGINT  NOT NULL,
    seq             BIGINT  NOT NULL DEFAULT 0
);
-- A conversation's uploads (its total size, its events' attachments, its deletion).
CREATE INDEX attachments_by_conversation ON attachments (conversation_id, seq);
-- The sweep of uploads no message refers to.
CREATE INDEX attachments_by_seq ON attachments (seq, created_at);
-- Whether any upload still refers to some bytes.
CREATE INDEX attachments_by_content ON attachments (sha256);

-- The bytes, once per content. PostgreSQL keeps them in bytes (every node of a cluster serves
-- every file without a shared file system); the embedded store keeps them in files under
-- <data dir>/attachments/ and leaves bytes NULL (SQLite takes the type name as written).
-- touched_at is when an upload last stored or found these bytes: bytes touched lately are not
-- deleted even if no upload refers to them yet, since the upload that found them is about to.
CREATE TABLE attachment_contents (
    sha256     TEXT   NOT NULL PRIMARY KEY,
    size       BIGINT NOT NULL,
    touched_at BIGINT NOT NULL,
    bytes      BYTEA
);
CREATE INDEX attachment_contents_by_touch ON attachment_contents (touched_at);

-- Values the store makes once and every node shares, by name: 'files_key', the key download
-- links are signed with (base64 of 32 random bytes), unless CONCIERGE_FILES_SECRET is set.
CREATE TABLE store_settings (
    name  TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);
