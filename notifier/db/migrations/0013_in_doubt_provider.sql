-- A send that ended in doubt (the provider may have accepted it) goes on the row with the
-- provider it went to, so its lookup and any re-send go to that provider alone, after a
-- restart too (notifier/outbox/sending.py). Not `provider`: that column names the provider
-- that *accepted* the SMS, paired with its message id for delivery reports; this one names
-- where it *may* be, and is cleared with `in_doubt` once the row is settled.
ALTER TABLE notifications ADD COLUMN in_doubt_provider text;

-- One status model for what finally happened to a sent SMS: `expired` (its validity ran out
-- at the operator) and `failed` (the operator refused it after accepting) are their own
-- delivery statuses, no longer folded into `undeliverable`; money follows each of them as
-- for undeliverable (UNDELIVERABLE_POLICY). Widening the check: every existing row passes.
ALTER TABLE notifications DROP CONSTRAINT notifications_delivery_status_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_delivery_status_check
    CHECK (delivery_status IN ('delivered', 'undeliverable', 'expired', 'failed'));
