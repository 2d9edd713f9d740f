-- platform: the events outbox's idempotency record (platform/events).
--
-- An event is delivered at least once: River retries a delivery job whose
-- handler failed, and may run a job again when a process dies after the
-- handler committed but before River marked the job completed. The handler's
-- transaction inserts (subscriber, event_id) here first; a row already there
-- means the subscriber has handled that event, so the repeat is skipped and
-- the handler's writes commit exactly once. Rows older than 30 days (far past
-- any retry window) are deleted daily, by delivered_at.
CREATE TABLE platform_event_deliveries (
    subscriber   TEXT NOT NULL,
    event_id     TEXT NOT NULL,
    delivered_at {{.Timestamp}} NOT NULL,
    PRIMARY KEY (subscriber, event_id)
);
CREATE INDEX platform_event_deliveries_delivered_idx ON platform_event_deliveries (delivered_at);
