-- Agents an admin disabled (POST /api/admin/agents/{id}/disable), so that a restart does not
-- give them their access back; POST /api/admin/agents/{id}/enable deletes the row.
-- disabled_at is in microseconds since the epoch.
CREATE TABLE disabled_agents (
    agent_id    TEXT   NOT NULL PRIMARY KEY,
    disabled_at BIGINT NOT NULL
);
