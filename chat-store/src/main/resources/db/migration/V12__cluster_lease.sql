-- Cluster mode (docs/scaling.md): the lease of the one node that decides, with its fencing token.
-- A node takes the lease only once it has expired by the database's clock, and taking it adds 1
-- to the token. The decider's store checks its token in every write transaction (SELECT ... FOR
-- SHARE on this row), so a node that lost the lease while paused cannot commit: the database
-- refuses it. A single server never writes this table.
CREATE TABLE cluster_leases (
    name       TEXT PRIMARY KEY,
    token      BIGINT NOT NULL,
    holder     TEXT NOT NULL,
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL
);
