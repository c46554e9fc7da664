-- The house's daily budget for verification SMS counts every recent code
-- (notifier/manager/code_limits.py): an index on time alone keeps that a range scan.
CREATE INDEX phone_verifications_created_idx ON phone_verifications (created_at);
