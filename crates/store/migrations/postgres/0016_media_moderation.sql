-- Image and audio moderation. A bucket with moderation_scene set sends its uploads to WeChat's
-- asynchronous media check; moderation_timeout (allow or refuse) decides a file still pending
-- after files.moderation_timeout_seconds.
ALTER TABLE buckets ADD COLUMN moderation_scene BIGINT;
ALTER TABLE buckets ADD COLUMN moderation_timeout TEXT;

-- A file's moderation: NULL (not moderated), pending, passed or risky; the check's trace_id,
-- WeChat's label, who decided (wechat, timeout, admin) and when.
ALTER TABLE files ADD COLUMN moderation TEXT;
ALTER TABLE files ADD COLUMN trace_id TEXT COLLATE "C";
ALTER TABLE files ADD COLUMN moderation_label BIGINT;
ALTER TABLE files ADD COLUMN moderation_source TEXT;
ALTER TABLE files ADD COLUMN moderated_at BIGINT;

-- The push finds its file by trace_id; the queue and the upkeep read pending and risky files
-- by id.
CREATE UNIQUE INDEX files_by_trace_id ON files (trace_id) WHERE trace_id IS NOT NULL;
CREATE INDEX files_under_moderation ON files (moderation, id)
    WHERE moderation IN ('pending', 'risky');
