-- Instant grade alerts, bundled: a child's marks wait here through the grace period and go
-- out together as one SMS per child (notifier/grade_bundles.py), at most
-- grade_alerts_per_day such SMS a (local) day; marks beyond it wait for the next day's.
ALTER TABLE subscriptions ADD COLUMN grade_alerts_per_day integer NOT NULL DEFAULT 3
    CHECK (grade_alerts_per_day BETWEEN 1 AND 10);

CREATE TABLE grade_alert_marks (
    subscription_id  bigint NOT NULL REFERENCES subscriptions (id),
    grade_id         text NOT NULL,
    queued_at        timestamptz NOT NULL,  -- the order marks are listed in
    due_at           timestamptz NOT NULL,  -- after the grace (and in the sending window)
    notification_id  bigint REFERENCES notifications (id),  -- NULL: waiting for its bundle
    version          text,  -- the grade as told: its dedupe key 'grade:<id>:<facts hash>'
    told_on          date,  -- the bundle's day in the pupil's zone: the daily limit counts it
    PRIMARY KEY (subscription_id, grade_id)
);
CREATE INDEX grade_alert_marks_waiting_idx ON grade_alert_marks (due_at)
    WHERE notification_id IS NULL;
CREATE INDEX grade_alert_marks_grade_idx ON grade_alert_marks (grade_id);
CREATE INDEX grade_alert_marks_bundle_idx ON grade_alert_marks (notification_id);
