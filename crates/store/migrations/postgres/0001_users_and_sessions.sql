-- Users of each mini-program and their login sessions.
CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    app_id        TEXT   NOT NULL,
    openid        TEXT   NOT NULL,
    unionid       TEXT,
    session_key   TEXT   NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    last_login_at BIGINT NOT NULL,
    UNIQUE (app_id, openid)
);
CREATE INDEX users_by_unionid ON users (unionid) WHERE unionid IS NOT NULL;

CREATE TABLE sessions (
    token_hash BYTEA  PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
CREATE INDEX sessions_by_user ON sessions (user_id);
