-- One row per user the outbox has ever queued a reply for: how many of the user's replies are
-- pending, and when the first of them may be claimed (its next attempt, or the end of the
-- lease it is being sent under). A claim reads the due rows of the partial index on due_at,
-- as many as it returns, and looks up each user's first pending reply in
-- messages_pending_by_user: its cost follows the batch, not the backlog. Every statement that
-- makes a reply pending, or ends one, updates the user's row in the same transaction.
CREATE TABLE outbox_queues (
    app_id  TEXT    NOT NULL,
    openid  TEXT    NOT NULL,
    pending BIGINT NOT NULL,
    due_at  BIGINT NOT NULL,
    PRIMARY KEY (app_id, openid)
);
CREATE INDEX outbox_queues_due ON outbox_queues (due_at) WHERE pending > 0;
INSERT INTO outbox_queues (app_id, openid, pending, due_at)
    SELECT app_id, openid, COUNT(*), 0 FROM messages WHERE status = 'pending'
    GROUP BY app_id, openid;
-- The claim no longer reads pending replies by due time.
DROP INDEX messages_outbox;
-- For operators: failed replies newest first, and how many were sent in the last minute. Both
-- are partial: a pending reply is in neither, so recording a push writes neither.
CREATE INDEX messages_failed ON messages (app_id, id) WHERE status = 'failed';
CREATE INDEX messages_sent_at ON messages (app_id, sent_at) WHERE status = 'sent';
