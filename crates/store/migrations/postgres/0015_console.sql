-- The admin console: admin accounts (argon2id PHC strings), their browser sessions (each
-- with its CSRF token), the sign-in throttle (failures per account and per address, and
-- locks), and admin API tokens with a scope. Tokens are stored as hashes only.
CREATE TABLE admins (
    id            BIGSERIAL PRIMARY KEY,
    username      TEXT COLLATE "C" NOT NULL UNIQUE,
    password_hash TEXT   NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

CREATE TABLE admin_sessions (
    token_hash BYTEA  PRIMARY KEY,
    admin_id   BIGINT NOT NULL REFERENCES admins (id) ON DELETE CASCADE,
    csrf_token TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX admin_sessions_by_admin ON admin_sessions (admin_id);
CREATE INDEX admin_sessions_by_expiry ON admin_sessions (expires_at);

CREATE TABLE admin_sign_in_failures (
    key             TEXT COLLATE "C" PRIMARY KEY,
    failures        BIGINT  NOT NULL,
    last_failure_at BIGINT  NOT NULL,
    locked_until    BIGINT  NOT NULL DEFAULT 0
);

CREATE TABLE admin_api_tokens (
    id         BIGSERIAL PRIMARY KEY,
    name       TEXT   NOT NULL,
    token_hash BYTEA  NOT NULL UNIQUE,
    scope      TEXT   NOT NULL,
    created_by TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);

-- The console finds users by phone number.
CREATE INDEX users_by_phone ON users (app_id, pure_phone_number) WHERE pure_phone_number IS NOT NULL;
