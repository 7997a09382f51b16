-- Customer-service messages both ways. Inbound rows carry a dedup key (unique per app), so a
-- retried push is recorded once even across instances. Outbound custom messages are the
-- outbox: status, attempts, the next attempt's time and a worker's lease.
CREATE TABLE messages (
    id              BIGSERIAL PRIMARY KEY,
    app_id          TEXT    NOT NULL,
    openid          TEXT    NOT NULL,
    direction       TEXT    NOT NULL,
    msg_type        TEXT    NOT NULL,
    content         TEXT    NOT NULL,
    raw             TEXT,
    dedup_key       TEXT,
    created_at      BIGINT  NOT NULL,
    status          TEXT,
    attempts        BIGINT  NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL DEFAULT 0,
    lease_until     BIGINT  NOT NULL DEFAULT 0,
    errcode         BIGINT,
    error           TEXT,
    sent_at         BIGINT,
    UNIQUE (app_id, dedup_key)
);
CREATE INDEX messages_by_user ON messages (app_id, openid, id);
CREATE INDEX messages_outbox ON messages (next_attempt_at) WHERE status = 'pending';

-- Auto-reply rules; rules from the config file are kept in step by name.
CREATE TABLE reply_rules (
    id         BIGSERIAL PRIMARY KEY,
    name       TEXT UNIQUE,
    priority   BIGINT  NOT NULL,
    match_kind TEXT    NOT NULL,
    pattern    TEXT    NOT NULL,
    reply      TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL
);
