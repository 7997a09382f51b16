-- Webhook endpoints: where a team's service is told of wxbase's events. secret signs each
-- delivery; after a rotation previous_secret signs alongside it until previous_secret_until.
-- events and collections are JSON arrays as given (collections NULL: every collection); the
-- fan-out reads webhook_subscriptions instead. name is set for endpoints of the config file,
-- which are kept in step with it by name.
CREATE TABLE webhook_endpoints (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    name                   TEXT UNIQUE,
    url                    TEXT    NOT NULL,
    events                 TEXT    NOT NULL,
    collections            TEXT,
    description            TEXT    NOT NULL,
    enabled                BIGINT  NOT NULL,
    disabled_reason        TEXT,
    secret                 TEXT    NOT NULL,
    previous_secret        TEXT,
    previous_secret_until  BIGINT  NOT NULL,
    created_at             BIGINT  NOT NULL,
    updated_at             BIGINT  NOT NULL
);

-- One row per event type an endpoint takes, and per collection it limits document events to
-- ('' for every collection): an event is fanned out, in the transaction of the write that
-- caused it, to the enabled endpoints this index names.
CREATE TABLE webhook_subscriptions (
    event_type  TEXT   NOT NULL,
    collection  TEXT   NOT NULL,
    endpoint_id BIGINT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    PRIMARY KEY (event_type, collection, endpoint_id)
) WITHOUT ROWID;
CREATE INDEX webhook_subscriptions_by_endpoint ON webhook_subscriptions (endpoint_id);

-- One row per event and endpoint, sent in id order per (endpoint, subject): pending until a
-- 2xx (delivered) or until the retry schedule runs out (failed).
CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id     BIGINT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    subject         TEXT   NOT NULL,
    event_id        TEXT   NOT NULL,
    event_type      TEXT   NOT NULL,
    payload         TEXT   NOT NULL,
    status          TEXT   NOT NULL,
    attempts        BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    lease_until     BIGINT NOT NULL,
    last_status     BIGINT,
    last_error      TEXT,
    created_at      BIGINT NOT NULL,
    finished_at     BIGINT
);
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, id);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (endpoint_id, subject, id)
    WHERE status = 'pending';

-- As outbox_queues for replies: one row per (endpoint, subject) with how many deliveries are
-- pending and when the first may be claimed. A claim reads at most its batch of due rows and
-- probes each one's first pending delivery, so its cost follows the batch, not the backlog.
-- A disabled endpoint's rows are due at the end of time until it is enabled again.
CREATE TABLE webhook_queues (
    endpoint_id BIGINT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    subject     TEXT   NOT NULL,
    pending     BIGINT NOT NULL,
    due_at      BIGINT NOT NULL,
    PRIMARY KEY (endpoint_id, subject)
) WITHOUT ROWID;
CREATE INDEX webhook_queues_due ON webhook_queues (due_at) WHERE pending > 0;
