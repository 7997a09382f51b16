-- Buckets of uploaded files and the files' rows; the bytes are in file storage at blobs/<id>.
-- types is a JSON array of accepted content types (empty: every type).
CREATE TABLE buckets (
    name       TEXT PRIMARY KEY,
    permission TEXT   NOT NULL,
    max_bytes  BIGINT,
    types      TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE files (
    id           TEXT PRIMARY KEY,
    bucket       TEXT NOT NULL REFERENCES buckets (name) ON DELETE CASCADE,
    owner        TEXT,
    name         TEXT   NOT NULL,
    size         BIGINT NOT NULL,
    content_type TEXT   NOT NULL,
    sha256       TEXT   NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX files_by_bucket ON files (bucket, id);
CREATE INDEX files_by_owner ON files (bucket, owner, id);
