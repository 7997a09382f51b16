-- The linked official account's followers, by their openid there. `changed_at` is WeChat's
-- time of the change the row reflects (an event's CreateTime, or a listed follower's
-- subscribe_time): an older event never overrides a newer state. `seen_generation` is the
-- latest sync run that listed the follower (or that ran while an event arrived).
CREATE TABLE oa_followers (
    app_id          TEXT    NOT NULL,
    openid          TEXT    NOT NULL,
    unionid         TEXT,
    following       INTEGER NOT NULL,
    since           INTEGER,
    changed_at      INTEGER NOT NULL,
    seen_generation INTEGER NOT NULL DEFAULT 0,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (app_id, openid)
);
CREATE INDEX oa_followers_by_unionid ON oa_followers (app_id, unionid);

-- Every follow event once: a retried push finds its key and changes nothing.
CREATE TABLE oa_follow_events (
    app_id      TEXT    NOT NULL,
    openid      TEXT    NOT NULL,
    event       TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (app_id, openid, created_at, event)
);

-- The full sync per official account: its lease (one run per deployment), the latest run's
-- generation and progress, and the latest completed run.
CREATE TABLE oa_sync (
    app_id               TEXT    PRIMARY KEY,
    generation           INTEGER NOT NULL DEFAULT 0,
    lease_holder         TEXT,
    lease_until          INTEGER NOT NULL DEFAULT 0,
    started_at           INTEGER,
    listed               INTEGER NOT NULL DEFAULT 0,
    total                INTEGER,
    completed_generation INTEGER NOT NULL DEFAULT 0,
    completed_at         INTEGER,
    marked_unfollowed    INTEGER NOT NULL DEFAULT 0,
    last_error           TEXT
);
