-- The queue apart from the outbox (issue 16 §3): what is due, its lease and its attempts live
-- in a narrow row of their own, so claiming, renewing a lease and retrying rewrite a few
-- bytes and one index instead of the wide outbox row and its many indexes. The outbox row
-- is written once when the SMS is queued and once more when it is settled (sent, failed,
-- cancelled); it stays 'queued' while its queue row exists (waiting or being sent).
--
-- No foreign key to notifications: the outbox may be partitioned (by month), and the queue
-- names its row by id alone. Every SMS queued has exactly one row here until it is settled.
CREATE TABLE outbox_queue (
    notification_id   bigint PRIMARY KEY,
    -- When someone should next look at it: while free, when it is due to be sent; while
    -- leased, when the lease runs out (then another instance takes it over, in doubt).
    due_at            timestamptz NOT NULL,
    lease_owner       text,          -- NULL: free; else the instance sending it
    attempts          integer NOT NULL DEFAULT 0,
    in_doubt          boolean NOT NULL DEFAULT false,  -- ask the provider before resending
    in_doubt_provider text,          -- the provider a send ended in doubt at, if known
    last_error        text           -- why the last attempt did not settle it
);
CREATE INDEX outbox_queue_due_idx ON outbox_queue (due_at, notification_id);

INSERT INTO outbox_queue (notification_id, due_at, lease_owner, attempts, in_doubt,
                          in_doubt_provider, last_error)
SELECT id,
       CASE WHEN status = 'sending' THEN coalesce(lease_until, now()) ELSE next_attempt_at END,
       CASE WHEN status = 'sending' THEN lease_owner END,
       attempts, in_doubt, in_doubt_provider, last_error
  FROM notifications WHERE status IN ('queued', 'sending');
UPDATE notifications SET status = 'queued', lease_owner = NULL, lease_until = NULL
 WHERE status = 'sending';

-- Only claiming read these; it reads outbox_queue now.
DROP INDEX notifications_due_idx;
DROP INDEX notifications_lease_idx;
