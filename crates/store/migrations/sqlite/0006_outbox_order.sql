-- The outbox sends one user's replies in order: a reply is claimable only when no earlier reply
-- to the same user is still pending. This index makes that check a probe of the user's pending
-- replies instead of a scan of their whole history.
CREATE INDEX messages_pending_by_user ON messages (app_id, openid, id) WHERE status = 'pending';
