-- The admin console: admin accounts (argon2id PHC strings), their browser sessions (each
-- with its CSRF token), the sign-in throttle (failures per account and per address, and
-- locks), and admin API tokens with a scope. Tokens are stored as hashes only.
CREATE TABLE admins (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);

CREATE TABLE admin_sessions (
    token_hash BLOB    PRIMARY KEY,
    admin_id   INTEGER NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
    csrf_token TEXT    NOT NULL,
    created_at BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL
) WITHOUT ROWID;
CREATE INDEX admin_sessions_by_admin ON admin_sessions (admin_id);
CREATE INDEX admin_sessions_by_expiry ON admin_sessions (expires_at);

CREATE TABLE admin_sign_in_failures (
    key             TEXT    PRIMARY KEY,
    failures        INTEGER NOT NULL,
    last_failure_at BIGINT  NOT NULL,
    locked_until    BIGINT  NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE admin_api_tokens (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL,
    token_hash BLOB    NOT NULL UNIQUE,
    scope      TEXT    NOT NULL,
    created_by TEXT    NOT NULL,
    created_at BIGINT  NOT NULL
);

-- The console finds users by phone number.
CREATE INDEX users_by_phone ON users (app_id, pure_phone_number) WHERE pure_phone_number IS NOT NULL;
