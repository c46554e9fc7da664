-- When an SMS failed, so the ops console counts the failures of the last hour by when they
-- happened, not by when the SMS was created (a retried SMS fails long after it was queued).
-- Rows that failed before this migration take their creation time: the best known bound.
ALTER TABLE notifications ADD COLUMN failed_at timestamptz;
UPDATE notifications SET failed_at = created_at WHERE status = 'failed';
DROP INDEX notifications_failed_idx;
CREATE INDEX notifications_failed_at_idx ON notifications (failed_at) WHERE status = 'failed';
