-- One weekly digest per phone (README: "Weekly digest"): a parent's children on the same phone,
-- in the same language and letters, get one SMS covering all of them, unless the parent
-- turned it off. No row: on (it is sent combined only in weeks it costs no more).
CREATE TABLE digest_phone_options (
    parent_id   text PRIMARY KEY,
    per_phone   boolean NOT NULL,
    updated_at  timestamptz NOT NULL
);

-- Each subscription's week is handled once, ever: the row is claimed in the transaction that
-- queues the SMS carrying it, so two runs (two schools of one phone, two replicas) cannot both
-- send a child's week, and a killed batch rolls its claims back with its SMS.
-- sent_with: the subscription whose weekly_digest SMS of that week carries this child's week
-- (itself, or the phone's owner for a combined SMS); NULL: nothing sent (a week without marks).
CREATE TABLE digest_coverage (
    subscription_id  bigint NOT NULL REFERENCES subscriptions (id),
    iso_week         text NOT NULL CHECK (iso_week ~ '^[0-9]{4}-W[0-9]{2}$'),
    pupil_id         text NOT NULL,
    sent_with        bigint,
    PRIMARY KEY (subscription_id, iso_week)
);
CREATE INDEX digest_coverage_sent_with_idx ON digest_coverage (sent_with, iso_week)
    WHERE sent_with IS NOT NULL;

-- Subscriptions whose week went in another child's SMS on the same phone (that run counts it).
ALTER TABLE digest_runs ADD COLUMN combined integer NOT NULL DEFAULT 0;
