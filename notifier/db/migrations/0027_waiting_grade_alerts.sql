-- The grade-alert sweep (notifier/grade_alert_sweep.py) looks for grade alerts still waiting
-- every minute. It found them through the waiting rows' index, which the narrow queue (0024)
-- replaced; without one it would read every month of the outbox. This index holds the waiting
-- grade alerts only: a row leaves it when it is settled.
CREATE INDEX notifications_waiting_grade_alerts_idx ON notifications (subscription_id, dedupe_key)
    WHERE status = 'queued' AND dedupe_key LIKE 'grade:%';
