-- Data collections: their settings, their indexed fields, and their documents as JSON text.
-- Field indexes are partial expression indexes on documents, made by the admin API.
CREATE TABLE collections (
    name       TEXT    PRIMARY KEY,
    permission TEXT    NOT NULL,
    schema     TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE collection_indexes (
    collection TEXT    NOT NULL REFERENCES collections (name) ON DELETE CASCADE,
    field      TEXT    NOT NULL,
    added_at   INTEGER NOT NULL,
    PRIMARY KEY (collection, field)
);

CREATE TABLE documents (
    collection TEXT    NOT NULL REFERENCES collections (name) ON DELETE CASCADE,
    id         TEXT    NOT NULL,
    owner      TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    body       TEXT    NOT NULL,
    PRIMARY KEY (collection, id)
);
CREATE INDEX documents_by_owner ON documents (collection, owner, id);
