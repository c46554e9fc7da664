-- A send that ended in doubt (the provider may have accepted it) goes on the row with the
-- provider it went to, so its lookup and any re-send go to that provider alone, after a
-- restart too (notifier/outbox/sending.py). Not `provider`: that column names the provider
-- that *accepted* the SMS, paired with its message id for delivery reports; this one names
-- where it *may* be, and is cleared with `in_doubt` once the row is settled.
ALTER TABLE notifications ADD COLUMN in_doubt_provider text;
