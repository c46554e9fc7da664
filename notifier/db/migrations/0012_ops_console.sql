-- The ops console (notifier/ops/): its figures and the per-phone support lookup read these
-- through indexes instead of scanning the outbox. The two outbox indexes are partial: a sent
-- row enters the first once; failed rows (few) the second.
CREATE INDEX notifications_sent_at_idx ON notifications (sent_at) WHERE status = 'sent';
CREATE INDEX notifications_failed_idx ON notifications (created_at) WHERE status = 'failed';
-- "Why did I not get an SMS?": the parents who use a phone, found by the phone.
CREATE INDEX subscriptions_phone_idx ON subscriptions (phone);
CREATE INDEX parent_phones_phone_idx ON parent_phones (phone);
