-- Where an interrupted follower sync stopped: the next_openid after its last page recorded
-- whole, and how many it had listed by then. A run that continues it (same generation) lists
-- from there instead of from the first page, if the generation's first run started recently
-- enough (generation_started_at; started_at is each run's own start, which paces retries).
ALTER TABLE oa_sync ADD COLUMN resume_after TEXT;
ALTER TABLE oa_sync ADD COLUMN resume_listed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE oa_sync ADD COLUMN generation_started_at INTEGER;
