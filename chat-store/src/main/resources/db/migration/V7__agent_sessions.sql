-- Agents' sign-in sessions, so that a restart does not sign every agent out (docs/agents.md).
-- Only the SHA-256 of a session token is kept, never the token, as for visitors' tokens.
-- last_used is in microseconds since the epoch; sessions idle longer than the server's session
-- lifetime are not restored, and are deleted when the server starts.
CREATE TABLE agent_sessions (
    token_hash TEXT   NOT NULL PRIMARY KEY,
    agent_id   TEXT   NOT NULL,
    last_used  BIGINT NOT NULL
);
CREATE INDEX agent_sessions_by_agent ON agent_sessions (agent_id);
