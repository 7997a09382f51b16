-- The central access_token per app, with its refresh lease and force-refresh accounting.
CREATE TABLE access_tokens (
    app_id        TEXT    PRIMARY KEY,
    token         TEXT,
    expires_at    INTEGER NOT NULL DEFAULT 0,
    fetched_at    INTEGER NOT NULL DEFAULT 0,
    source        TEXT    NOT NULL DEFAULT '',
    lease_holder  TEXT,
    lease_until   INTEGER NOT NULL DEFAULT 0,
    force_day     INTEGER NOT NULL DEFAULT 0,
    force_count   INTEGER NOT NULL DEFAULT 0,
    last_force_at INTEGER NOT NULL DEFAULT 0
);

-- What decrypting user data taught us about a user.
ALTER TABLE users ADD COLUMN phone_number TEXT;
ALTER TABLE users ADD COLUMN pure_phone_number TEXT;
ALTER TABLE users ADD COLUMN country_code TEXT;
ALTER TABLE users ADD COLUMN nickname TEXT;
ALTER TABLE users ADD COLUMN avatar_url TEXT;
