-- The outbox of emails (docs/storage.md, "The mail outbox"). A row is written in the same
-- transaction as the transcript event that causes it, so an email exists exactly when its event
-- does; a sender then claims it ('sending'), hands it to the SMTP server and marks it 'sent'.
-- message_id is the email's Message-ID (without the angle brackets), fixed here, so that the one
-- resend a crash can cause (after the SMTP server accepted, before 'sent' was recorded) carries
-- the same id and mail clients show it once. payload holds what the template needs besides the
-- stored transcript, never a copy of it. Times are microseconds since the epoch, as everywhere.
-- Deleted with its conversation by the purge and the erasure.
CREATE TABLE mail_outbox (
    message_id      TEXT    NOT NULL PRIMARY KEY,
    conversation_id TEXT    NOT NULL,
    seq             BIGINT  NOT NULL,
    kind            TEXT    NOT NULL,
    site            TEXT    NOT NULL,
    recipient       TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    state           TEXT    NOT NULL,
    attempts        INTEGER NOT NULL,
    created_at      BIGINT  NOT NULL,
    next_attempt_at BIGINT  NOT NULL,
    sent_at         BIGINT,
    last_error      TEXT
);
-- The sender's question: what is due now.
CREATE INDEX mail_outbox_due ON mail_outbox (state, next_attempt_at);
-- The purge and the erasure delete by conversation.
CREATE INDEX mail_outbox_by_conversation ON mail_outbox (conversation_id);
-- The limits per recipient address count recent rows.
CREATE INDEX mail_outbox_by_recipient ON mail_outbox (recipient, created_at);
