-- Integrations (docs/integrations.md): the site a conversation was started from, signed webhooks
-- (endpoints, the outbox of deliveries, the delivery log) and REST API keys. Times are
-- microseconds since the epoch, as everywhere; ids are text. Portable SQL: SQLite and PostgreSQL
-- both take every statement as written (partial indexes included).

-- The site a conversation was started from, fixed at its start; NULL for conversations stored
-- before sites were kept with them. Webhook subscriptions and site API keys are per site.
ALTER TABLE conversations ADD COLUMN site TEXT;
CREATE INDEX conversations_by_site ON conversations (site, updated_at);
-- The REST listing: the latest activity first, then id.
CREATE INDEX conversations_by_activity ON conversations (updated_at, id);

-- Where a site's events are POSTed. One row per endpoint.
CREATE TABLE webhook_endpoints (
    id                    TEXT    NOT NULL PRIMARY KEY,
    site                  TEXT    NOT NULL,
    url                   TEXT    NOT NULL,
    description           TEXT,
    event_types           TEXT    NOT NULL,  -- sorted, comma-separated
    secret                TEXT    NOT NULL,  -- 'whsec_' + base64 of 32 random bytes
    previous_secret       TEXT,              -- during a rotation
    previous_secret_until BIGINT,
    max_in_flight         INTEGER NOT NULL,  -- lanes of this endpoint in flight at once
    state                 TEXT    NOT NULL,  -- 'active' | 'paused' | 'disabled'
    paused_at             BIGINT,
    paused_reason         TEXT,
    failing_since         BIGINT,            -- first failure after the last 2xx
    consecutive_failures  INTEGER NOT NULL,
    last_success_at       BIGINT,
    created_at            BIGINT  NOT NULL,
    updated_at            BIGINT  NOT NULL,
    version               BIGINT  NOT NULL   -- one up with every change by the admin or a pause
);
CREATE INDEX webhook_endpoints_by_site ON webhook_endpoints (site, created_at);

-- What happened, once per transcript event and webhook type: the exact body every attempt to
-- every endpoint sends. Written in the transaction of the event.
CREATE TABLE webhook_events (
    event_id        TEXT    NOT NULL PRIMARY KEY,  -- the webhook-id header, 'evt_...'
    conversation_id TEXT    NOT NULL,
    seq             BIGINT  NOT NULL,              -- the transcript event's seq
    sub             INTEGER NOT NULL,              -- order among the types one event makes
    type            TEXT    NOT NULL,
    site            TEXT    NOT NULL,
    occurred_at     BIGINT  NOT NULL,
    body            TEXT    NOT NULL
);
CREATE INDEX webhook_events_by_conversation ON webhook_events (conversation_id, seq, sub);

-- The outbox: one row per event and endpoint. A lane is (endpoint_id, conversation_id); its rows
-- are delivered in (seq, sub) order, one at a time. A row written while its lane has an
-- unfinished row waits "parked" (next_attempt_at = 9223372036854775807) until the row before it
-- finishes, so that the sender's question reads only the heads of lanes.
CREATE TABLE webhook_deliveries (
    id              TEXT    NOT NULL PRIMARY KEY,  -- 'whd_...'
    endpoint_id     TEXT    NOT NULL,
    event_id        TEXT    NOT NULL,
    conversation_id TEXT    NOT NULL,
    seq             BIGINT  NOT NULL,
    sub             INTEGER NOT NULL,
    state           TEXT    NOT NULL,              -- pending | sending | delivered | expired | cancelled
    attempts        INTEGER NOT NULL,
    created_at      BIGINT  NOT NULL,
    next_attempt_at BIGINT  NOT NULL,
    deadline_at     BIGINT,                        -- set at the first claim
    delivered_at    BIGINT,
    last_status     INTEGER,
    last_error      TEXT
);
CREATE UNIQUE INDEX webhook_deliveries_once ON webhook_deliveries (endpoint_id, event_id);
CREATE INDEX webhook_deliveries_lane ON webhook_deliveries (endpoint_id, conversation_id, seq, sub)
    WHERE state IN ('pending', 'sending');
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE state IN ('pending', 'sending');
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (endpoint_id, created_at, id);
CREATE INDEX webhook_deliveries_by_conversation ON webhook_deliveries (conversation_id);

-- The delivery log: one row per attempt, written with the claim and completed with the outcome.
-- An attempt a crash interrupted keeps no outcome.
CREATE TABLE webhook_attempts (
    delivery_id TEXT    NOT NULL,
    attempt     INTEGER NOT NULL,
    node        TEXT    NOT NULL,
    started_at  BIGINT  NOT NULL,
    duration_ms BIGINT,
    address     TEXT,
    status      INTEGER,
    error       TEXT,
    response    TEXT,
    PRIMARY KEY (delivery_id, attempt)
);

-- REST API keys. The key itself is never stored: the SHA-256 (hex) of the whole key string.
CREATE TABLE api_keys (
    id            TEXT   NOT NULL PRIMARY KEY,  -- the public id inside the key
    kind          TEXT   NOT NULL,              -- 'site' | 'admin'
    site          TEXT,                         -- NULL: an admin key of every site
    scopes        TEXT   NOT NULL,              -- sorted, comma-separated
    acts_as_agent TEXT,
    integration   TEXT,
    name          TEXT   NOT NULL,
    secret_sha256 TEXT   NOT NULL,
    created_at    BIGINT NOT NULL,
    created_by    TEXT   NOT NULL,
    expires_at    BIGINT,
    revoked_at    BIGINT,
    last_used_at  BIGINT
);
CREATE INDEX api_keys_by_creation ON api_keys (created_at);
