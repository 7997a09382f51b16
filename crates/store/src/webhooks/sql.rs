//! The webhooks SQL, with SQLite's `?N` placeholders (PostgreSQL's are rewritten).

/// The columns `rows::endpoint_from_row` reads.
pub const ENDPOINT_COLUMNS: &str = "id, name, url, events, collections, description, enabled, \
     disabled_reason, secret, previous_secret, previous_secret_until, created_at, updated_at";

/// The columns `rows::delivery_from_row` reads.
pub const DELIVERY_COLUMNS: &str = "id, event_id, event_type, subject, status, attempts, \
     next_attempt_at, last_status, last_error, created_at, finished_at";

/// Creates an endpoint unless its name is taken (?1 name, ?2 url, ?3 events, ?4 collections,
/// ?5 description, ?6 enabled, ?7 secret, ?8 now).
pub fn insert_endpoint() -> String {
    format!(
        "INSERT INTO webhook_endpoints (name, url, events, collections, description, enabled,
             secret, previous_secret_until, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8, ?8)
         ON CONFLICT (name) DO NOTHING
         RETURNING {ENDPOINT_COLUMNS}"
    )
}

/// Every endpoint.
pub fn select_endpoints() -> String {
    format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints ORDER BY id")
}

/// One endpoint (?1 id).
pub fn select_endpoint() -> String {
    format!("SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = ?1")
}

/// Replaces an endpoint's settings (?1 id, then as [`insert_endpoint`] without the secret:
/// ?2 name … ?7 enabled, ?8 now). Enabling clears the reason it was disabled.
pub fn update_endpoint() -> String {
    format!(
        "UPDATE webhook_endpoints
         SET name = ?2, url = ?3, events = ?4, collections = ?5, description = ?6, enabled = ?7,
             disabled_reason = CASE WHEN ?7 = 1 THEN NULL
                                    ELSE COALESCE(disabled_reason, 'disabled by an admin') END,
             updated_at = ?8
         WHERE id = ?1
         RETURNING {ENDPOINT_COLUMNS}"
    )
}

/// Turns an endpoint off (?1 id, ?2 reason, ?3 now).
pub const DISABLE_ENDPOINT: &str = "UPDATE webhook_endpoints
     SET enabled = 0, disabled_reason = ?2, updated_at = ?3 WHERE id = ?1";

/// A disabled endpoint's queues wait (?1 id).
pub const PARK_QUEUES: &str = "UPDATE webhook_queues SET due_at = 9223372036854775807
     WHERE endpoint_id = ?1";

/// An enabled endpoint's parked queues are due (?1 id, ?2 now).
pub const UNPARK_QUEUES: &str = "UPDATE webhook_queues SET due_at = ?2
     WHERE endpoint_id = ?1 AND due_at = 9223372036854775807";

/// Deletes an endpoint, its subscriptions, deliveries and queues (?1 id).
pub const DELETE_ENDPOINT: &str = "DELETE FROM webhook_endpoints WHERE id = ?1";

/// Replaces the secret, keeping the old one for the overlap (?1 id, ?2 secret, ?3 old one
/// until, ?4 now).
pub fn rotate_secret() -> String {
    format!(
        "UPDATE webhook_endpoints
         SET previous_secret = secret, previous_secret_until = ?3, secret = ?2, updated_at = ?4
         WHERE id = ?1
         RETURNING {ENDPOINT_COLUMNS}"
    )
}

/// Creates the named endpoint or brings it in step (as [`insert_endpoint`], ?9 until when a
/// replaced secret keeps signing); its id.
pub const SYNC_ENDPOINT: &str = "INSERT INTO webhook_endpoints (name, url, events, collections,
         description, enabled, secret, previous_secret_until, created_at, updated_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8, ?8)
     ON CONFLICT (name) DO UPDATE SET url = excluded.url, events = excluded.events,
         collections = excluded.collections, description = excluded.description,
         enabled = excluded.enabled,
         disabled_reason = CASE WHEN excluded.enabled = 1 THEN NULL
                                ELSE COALESCE(webhook_endpoints.disabled_reason, 'disabled in the config file') END,
         previous_secret = CASE WHEN webhook_endpoints.secret <> excluded.secret
                                THEN webhook_endpoints.secret ELSE webhook_endpoints.previous_secret END,
         previous_secret_until = CASE WHEN webhook_endpoints.secret <> excluded.secret
                                THEN ?9 ELSE webhook_endpoints.previous_secret_until END,
         secret = excluded.secret, updated_at = excluded.updated_at
     RETURNING id, enabled";

/// Forgets an endpoint's subscriptions (?1 id), before they are written again.
pub const DELETE_SUBSCRIPTIONS: &str = "DELETE FROM webhook_subscriptions WHERE endpoint_id = ?1";

/// One subscription (?1 event type, ?2 collection or '', ?3 endpoint).
pub const INSERT_SUBSCRIPTION: &str =
    "INSERT INTO webhook_subscriptions (event_type, collection, endpoint_id) VALUES (?1, ?2, ?3)";

/// The event types some enabled endpoint takes.
pub const SUBSCRIBED_TYPES: &str = "SELECT DISTINCT s.event_type
     FROM webhook_subscriptions AS s JOIN webhook_endpoints AS e ON e.id = s.endpoint_id
     WHERE e.enabled = 1";

/// Whether some enabled endpoint takes events of type ?1.
pub const IS_SUBSCRIBED: &str = "SELECT 1
     FROM webhook_subscriptions AS s JOIN webhook_endpoints AS e ON e.id = s.endpoint_id
     WHERE s.event_type = ?1 AND e.enabled = 1 LIMIT 1";

/// Records an event for every enabled endpoint subscribed to it (?1 subject, ?2 event id,
/// ?3 type, ?4 payload, ?5 now, ?6 collection or ''), through the subscriptions' primary key.
pub const FAN_OUT: &str = "INSERT INTO webhook_deliveries (endpoint_id, subject, event_id,
         event_type, payload, status, attempts, next_attempt_at, lease_until, created_at)
     SELECT s.endpoint_id, ?1, ?2, ?3, ?4, 'pending', 0, ?5, 0, ?5
     FROM webhook_subscriptions AS s JOIN webhook_endpoints AS e ON e.id = s.endpoint_id
     WHERE s.event_type = ?3 AND s.collection IN ('', ?6) AND e.enabled = 1";

/// Counts the event in each subscribed endpoint's queue for its subject (?1 subject, ?2 now,
/// ?3 type, ?4 collection or ''): a queue with nothing pending is due at ?2, otherwise its
/// first delivery keeps its own time. As `QUEUE_MORE` of the outbox: on PostgreSQL the row
/// stays locked until the commit, so a claim skips the queue until the delivery is visible.
pub const FAN_OUT_QUEUES: &str =
    "INSERT INTO webhook_queues (endpoint_id, subject, pending, due_at)
     SELECT s.endpoint_id, ?1, 1, ?2
     FROM webhook_subscriptions AS s JOIN webhook_endpoints AS e ON e.id = s.endpoint_id
     WHERE s.event_type = ?3 AND s.collection IN ('', ?4) AND e.enabled = 1
     ON CONFLICT (endpoint_id, subject) DO UPDATE SET
         pending = webhook_queues.pending + 1,
         due_at = CASE WHEN webhook_queues.pending > 0 THEN webhook_queues.due_at
                       ELSE excluded.due_at END";

/// The claim, first step: the due queues, earliest first (?1 now, ?2 limit), each with whether
/// its endpoint is enabled and the id of its first pending delivery (`NULL` if none: a count
/// that drifted): the partial index `webhook_queues_due`, then one probe of
/// `webhook_deliveries_pending` per queue. PostgreSQL adds `FOR UPDATE OF q SKIP LOCKED`.
pub const DUE_QUEUES: &str = "SELECT q.endpoint_id, q.subject, e.enabled,
         (SELECT d.id FROM webhook_deliveries AS d
          WHERE d.endpoint_id = q.endpoint_id AND d.subject = q.subject AND d.status = 'pending'
          ORDER BY d.id LIMIT 1)
     FROM webhook_queues AS q JOIN webhook_endpoints AS e ON e.id = q.endpoint_id
     WHERE q.pending > 0 AND q.due_at <= ?1
     ORDER BY q.due_at LIMIT ?2";

/// The claim: leases a queue's first pending delivery if it is due (?1 id, ?2 now, ?3 lease
/// until), counting an attempt.
pub const LEASE_HEAD: &str = "UPDATE webhook_deliveries
     SET lease_until = ?3, attempts = attempts + 1
     WHERE id = ?1 AND status = 'pending' AND next_attempt_at <= ?2 AND lease_until <= ?2";

/// The claim: a delivery just leased (?1 id) with its endpoint.
pub fn claimed() -> String {
    let endpoint = ENDPOINT_COLUMNS
        .split(", ")
        .map(|c| format!("e.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "SELECT d.id AS delivery_id, d.subject, d.event_id, d.payload, d.attempts, {endpoint}
         FROM webhook_deliveries AS d JOIN webhook_endpoints AS e ON e.id = d.endpoint_id
         WHERE d.id = ?1"
    )
}

/// The claim, last step: the queue is due again when its first pending delivery is (?1
/// endpoint, ?2 subject, ?3 that delivery): at the end of the lease just taken, or of its wait.
pub const REQUEUE_HEAD: &str = "UPDATE webhook_queues
     SET due_at = (SELECT CASE WHEN next_attempt_at > lease_until THEN next_attempt_at
                               ELSE lease_until END
                   FROM webhook_deliveries WHERE id = ?3)
     WHERE endpoint_id = ?1 AND subject = ?2";

/// The claim, for a queue counted as pending with nothing pending: the count is set right
/// (?1 endpoint, ?2 subject).
pub const EMPTY_QUEUE: &str =
    "UPDATE webhook_queues SET pending = 0 WHERE endpoint_id = ?1 AND subject = ?2";

/// The claim, for a queue of a disabled endpoint: it waits until the endpoint is enabled
/// (?1 endpoint, ?2 subject).
pub const PARK_QUEUE: &str = "UPDATE webhook_queues SET due_at = 9223372036854775807
     WHERE endpoint_id = ?1 AND subject = ?2";

/// Marks a delivery delivered (?1 id, ?2 held until, ?3 status, ?4 at).
pub const MARK_DELIVERED: &str = "UPDATE webhook_deliveries
     SET status = 'delivered', last_status = ?3, last_error = NULL, finished_at = ?4,
         lease_until = 0
     WHERE id = ?1 AND lease_until = ?2 AND status = 'pending'";

/// Schedules another attempt (?1 id, ?2 held until, ?3 status, ?4 error, ?5 next attempt).
pub const MARK_RETRY: &str = "UPDATE webhook_deliveries
     SET last_status = ?3, last_error = ?4, next_attempt_at = ?5, lease_until = 0
     WHERE id = ?1 AND lease_until = ?2 AND status = 'pending'";

/// Gives up (?1 id, ?2 held until, ?3 status, ?4 error, ?5 at).
pub const MARK_FAILED: &str = "UPDATE webhook_deliveries
     SET status = 'failed', last_status = ?3, last_error = ?4, finished_at = ?5, lease_until = 0
     WHERE id = ?1 AND lease_until = ?2 AND status = 'pending'";

/// After an outcome: ?3 fewer pending (1 when it ends, 0 for a retry) and due at ?4 (?1
/// endpoint, ?2 subject). A parked queue stays parked.
pub const FINISH_QUEUE: &str = "UPDATE webhook_queues
     SET pending = pending - ?3,
         due_at = CASE WHEN due_at = 9223372036854775807 THEN due_at ELSE ?4 END
     WHERE endpoint_id = ?1 AND subject = ?2";

/// A page of an endpoint's deliveries, newest first (?1 endpoint, ?2 before id, ?3 limit).
pub fn delivery_page() -> String {
    format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries
         WHERE endpoint_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3"
    )
}

/// A delivery's state (?1 endpoint, ?2 id).
pub const DELIVERY_STATE: &str = "SELECT subject, status, lease_until FROM webhook_deliveries
     WHERE endpoint_id = ?1 AND id = ?2";

/// A finished delivery is pending again, due at once, attempts counted afresh (?1 id, ?2 now).
pub const REOPEN: &str = "UPDATE webhook_deliveries
     SET status = 'pending', attempts = 0, next_attempt_at = ?2, lease_until = 0,
         finished_at = NULL
     WHERE id = ?1 AND status <> 'pending'";

/// A pending delivery waiting for a retry is due at once (?1 id, ?2 now).
pub const DUE_NOW: &str = "UPDATE webhook_deliveries SET next_attempt_at = ?2
     WHERE id = ?1 AND status = 'pending' AND lease_until <= ?2";

/// A queue gains ?3 pending deliveries and is due by ?4 at the latest (?1 endpoint,
/// ?2 subject); a parked queue stays parked.
pub const QUEUE_AGAIN: &str = "INSERT INTO webhook_queues (endpoint_id, subject, pending, due_at)
     VALUES (?1, ?2, ?3, ?4)
     ON CONFLICT (endpoint_id, subject) DO UPDATE SET
         pending = webhook_queues.pending + excluded.pending,
         due_at = CASE WHEN webhook_queues.due_at > excluded.due_at
                        AND webhook_queues.due_at <> 9223372036854775807
                       THEN excluded.due_at ELSE webhook_queues.due_at END";
