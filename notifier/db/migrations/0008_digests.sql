-- Weekly grade digests: each school's zone, schedule, holidays and sending window; runs that
-- resume after a crash; grade tombstones; the cheaper Latin option per subscription.

-- The school's IANA zone, kept by roster events (backfilled from its pupils here).
ALTER TABLE schools ADD COLUMN time_zone text;
UPDATE schools s SET time_zone = (
    SELECT mode() WITHIN GROUP (ORDER BY p.time_zone) FROM pupils p WHERE p.school_id = s.id
);
CREATE INDEX pupils_school_idx ON pupils (school_id) WHERE active;

-- Transliterate the parent's SMS to plain GSM-7 Latin (cheaper: 153 chars a part, not 67).
ALTER TABLE subscriptions ADD COLUMN latin boolean NOT NULL DEFAULT false;

-- A grade.deleted that arrives before its grade.posted leaves a tombstone (no subject, no
-- date): the late post is older than the tombstone and cannot bring the grade back.
ALTER TABLE grades ALTER COLUMN subject DROP NOT NULL,
    ALTER COLUMN lesson_date DROP NOT NULL,
    ALTER COLUMN assessment DROP NOT NULL;
ALTER TABLE grades ADD CONSTRAINT grades_tombstone_or_whole
    CHECK (deleted OR (subject IS NOT NULL AND lesson_date IS NOT NULL AND assessment IS NOT NULL));

-- Per-school settings; a school without a row uses the defaults below.
CREATE TABLE digest_settings (
    school_id     text PRIMARY KEY REFERENCES schools (id),
    send_weekday  smallint NOT NULL DEFAULT 5 CHECK (send_weekday BETWEEN 1 AND 7),  -- ISO, 5 = Fri
    send_time     time NOT NULL DEFAULT '18:00',
    window_start  time NOT NULL DEFAULT '09:00',  -- paid SMS go out only inside this window
    window_end    time NOT NULL DEFAULT '20:00',
    send_empty    boolean NOT NULL DEFAULT false,  -- a week without marks: "no new marks"
    updated_at    timestamptz NOT NULL
);

-- Weeks without school: no digest.
CREATE TABLE digest_holidays (
    school_id  text NOT NULL REFERENCES schools (id),
    iso_week   text NOT NULL CHECK (iso_week ~ '^[0-9]{4}-W[0-9]{2}$'),
    PRIMARY KEY (school_id, iso_week)
);

-- One run per (school, ISO week), ever. Each batch moves the cursor in the transaction that
-- queued its SMS, so a killed run resumes where it stopped; runners queue on the row lock.
CREATE TABLE digest_runs (
    id           uuid PRIMARY KEY,
    school_id    text NOT NULL REFERENCES schools (id),
    iso_week     text NOT NULL CHECK (iso_week ~ '^[0-9]{4}-W[0-9]{2}$'),
    status       text NOT NULL CHECK (status IN ('running', 'done')),
    cursor       bigint NOT NULL DEFAULT 0,  -- the last subscription id handled
    total        integer NOT NULL DEFAULT 0,
    done         integer NOT NULL DEFAULT 0,
    queued       integer NOT NULL DEFAULT 0,
    skipped      integer NOT NULL DEFAULT 0,  -- not enough money: recorded, not sent
    empty        integer NOT NULL DEFAULT 0,  -- no marks that week: nothing sent
    started_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    finished_at  timestamptz,
    UNIQUE (school_id, iso_week)
);
