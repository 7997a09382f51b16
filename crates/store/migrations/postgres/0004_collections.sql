-- Data collections: their settings, their indexed fields, and their documents as jsonb.
-- Field indexes are partial expression indexes on documents, made by the admin API. Text that
-- is sorted or compared by range uses the "C" collation: code point order, as on SQLite.
CREATE TABLE collections (
    name       TEXT COLLATE "C" PRIMARY KEY,
    permission TEXT   NOT NULL,
    schema     TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE collection_indexes (
    collection TEXT COLLATE "C" NOT NULL REFERENCES collections (name) ON DELETE CASCADE,
    field      TEXT COLLATE "C" NOT NULL,
    added_at   BIGINT NOT NULL,
    PRIMARY KEY (collection, field)
);

CREATE TABLE documents (
    collection TEXT COLLATE "C" NOT NULL REFERENCES collections (name) ON DELETE CASCADE,
    id         TEXT COLLATE "C" NOT NULL,
    owner      TEXT COLLATE "C",
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version    BIGINT NOT NULL,
    body       JSONB  NOT NULL,
    PRIMARY KEY (collection, id)
);
CREATE INDEX documents_by_owner ON documents (collection, owner, id);
