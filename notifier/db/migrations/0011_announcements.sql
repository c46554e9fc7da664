-- Announcements to parents (diary.announcements) and instant grade alerts.

-- An instant grade alert still waiting out its grace period is withdrawn when the grade is
-- changed (a new alert replaces it) or deleted: 'cancelled', its hold released, never sent.
ALTER TABLE notifications DROP CONSTRAINT notifications_status_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_status_check CHECK (status IN (
    'queued', 'sending', 'sent', 'failed', 'skipped_insufficient_funds', 'cancelled'
));

-- Instant grade alerts are found by grade: dedupe keys are 'grade:<grade id>:<version>', and
-- a grade's are the range ['grade:<id>:', 'grade:<id>;') in byte order (usable by a generic
-- plan, unlike LIKE with a parameter).
CREATE INDEX notifications_grade_alert_idx ON notifications ((dedupe_key COLLATE "C"))
    WHERE dedupe_key LIKE 'grade:%';

-- One row per announcement applied: who it was for and how many parents it reached at
-- fan-out time. What happened to each SMS afterwards is read from notifications (event_id).
CREATE TABLE announcements (
    id            text PRIMARY KEY,
    event_id      uuid NOT NULL UNIQUE,
    school_id     text NOT NULL,
    author_id     text NOT NULL,
    author_role   text NOT NULL CHECK (author_role IN ('teacher', 'school_admin')),
    scope         text NOT NULL CHECK (scope IN ('school', 'class', 'pupils')),
    title         text NOT NULL,
    urgent        boolean NOT NULL DEFAULT false,
    targeted      integer NOT NULL CHECK (targeted >= 0),  -- parents linked to the audience
    subscribed    integer NOT NULL CHECK (subscribed >= 0),  -- of them, subscribed
    published_at  timestamptz NOT NULL,
    applied_at    timestamptz NOT NULL
);
CREATE INDEX announcements_school_idx ON announcements (school_id, published_at DESC, id);
