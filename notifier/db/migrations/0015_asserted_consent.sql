-- Consent the core e-school system asserts when it creates a subscription through the internal
-- API: where it was given (a signed form, the diary app) and when, which is not when we
-- recorded it. The Notification Manager's own records leave source empty (ip and user_agent
-- say where) and were given when recorded.
ALTER TABLE consent_records ADD COLUMN source text;
ALTER TABLE consent_records ADD COLUMN consented_at timestamptz;
