-- Agent sessions are bound to the credential they were signed in with and have an absolute
-- lifetime (docs/agents.md): credential is a fingerprint (truncated SHA-256, hex) of the agent's
-- password hash at sign-in, and a session whose agent's hash is different is not restored;
-- created_at (microseconds since the epoch) is when the agent signed in, and a session older
-- than the server's absolute session lifetime is not restored either. Sessions stored before
-- this version have neither, so their agents sign in once more.
ALTER TABLE agent_sessions ADD COLUMN credential TEXT NOT NULL DEFAULT '';
ALTER TABLE agent_sessions ADD COLUMN created_at BIGINT NOT NULL DEFAULT 0;
