-- Subscribe-message grants, one row per user and template: one-time grants left (each accept
-- adds one, each queued message uses one), whether a long-term grant is on, the user's latest
-- answer, and the campaign that last used the grant (how a campaign finds its users in one
-- statement).
CREATE TABLE subscribe_grants (
    app_id        TEXT    NOT NULL,
    openid        TEXT    NOT NULL,
    template_id   TEXT    NOT NULL,
    one_time      INTEGER NOT NULL DEFAULT 0,
    long_term     INTEGER NOT NULL DEFAULT 0,
    last_result   TEXT    NOT NULL,
    campaign_id   INTEGER,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (app_id, openid, template_id)
) WITHOUT ROWID;
CREATE INDEX subscribe_grants_by_template ON subscribe_grants (app_id, template_id);
CREATE INDEX subscribe_grants_by_campaign ON subscribe_grants (campaign_id) WHERE campaign_id IS NOT NULL;

-- A campaign: one template sent to every user holding a grant (or to the listed ones).
CREATE TABLE subscribe_campaigns (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id         TEXT    NOT NULL,
    template_id    TEXT    NOT NULL,
    content        TEXT    NOT NULL,
    audience       TEXT    NOT NULL,
    queued         INTEGER NOT NULL DEFAULT 0,
    without_grant  INTEGER NOT NULL DEFAULT 0,
    send_at        INTEGER NOT NULL,
    created_at     INTEGER NOT NULL
);

-- The latest subscribe_msg_sent_event result per WeChat message id.
CREATE TABLE subscribe_receipts (
    app_id        TEXT    NOT NULL,
    msg_id        TEXT    NOT NULL,
    openid        TEXT    NOT NULL,
    template_id   TEXT    NOT NULL,
    error_code    INTEGER NOT NULL,
    error_status  TEXT    NOT NULL,
    received_at   INTEGER NOT NULL,
    PRIMARY KEY (app_id, msg_id)
) WITHOUT ROWID;

-- The messages of a campaign, counted by status.
ALTER TABLE messages ADD COLUMN campaign_id INTEGER;
CREATE INDEX messages_by_campaign ON messages (campaign_id, status) WHERE campaign_id IS NOT NULL;
