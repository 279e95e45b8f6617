-- Cluster mode (docs/scaling.md): the cluster's copy of each file an admin edits at run time
-- (the FAQ, the agents file), so that an edit made on one node reaches every node. version goes
-- up by 1 with each edit; a node stores an edit only if the version it edited is still the
-- latest (compare and set), so two concurrent edits on two nodes both survive. A single server
-- never writes this table.
CREATE TABLE shared_files (
    name       TEXT PRIMARY KEY,
    version    BIGINT NOT NULL,
    content    TEXT NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL
);
