-- Content security and mini-program codes.
-- collections.moderation: the text fields WeChat checks before a user's write is stored (JSON).
ALTER TABLE collections ADD COLUMN moderation TEXT;

-- Scenes too long (or with characters WeChat refuses) for a code, stored under a short id.
CREATE TABLE scenes (
    id         TEXT COLLATE "C" PRIMARY KEY,
    scene      TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);

-- Generated codes: the file holding each code's image, by a hash of its parameters.
CREATE TABLE wxacodes (
    params_hash TEXT COLLATE "C" PRIMARY KEY,
    file_id     TEXT   NOT NULL,
    created_at  BIGINT NOT NULL
);
