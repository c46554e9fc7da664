-- The queue row carries its outbox row's created_at (issue 16 §3): the outbox is partitioned
-- by month of created_at (0022), so a lookup by id alone probes every month's index, a year
-- of them in production. Claiming, settling and cancelling join the outbox on (id,
-- created_at), and PostgreSQL reads the one partition holding the row.
ALTER TABLE outbox_queue ADD COLUMN created_at timestamptz;
UPDATE outbox_queue q SET created_at = n.created_at FROM notifications n
 WHERE n.id = q.notification_id;
-- A queue row whose outbox row is gone could never be claimed (the claim joins the outbox).
DELETE FROM outbox_queue WHERE created_at IS NULL;
ALTER TABLE outbox_queue ALTER COLUMN created_at SET NOT NULL;

-- A writer that does not say it (the previous version while instances are replaced, hand
-- written rows) gets it looked up, the slow way, once; a row naming no outbox row is
-- refused as before-0022 foreign key did (created_at stays NULL: NOT NULL fails).
CREATE FUNCTION outbox_queue_created_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.created_at := (SELECT created_at FROM notifications WHERE id = NEW.notification_id);
    RETURN NEW;
END $$;
CREATE TRIGGER outbox_queue_created_at BEFORE INSERT ON outbox_queue
    FOR EACH ROW WHEN (NEW.created_at IS NULL) EXECUTE FUNCTION outbox_queue_created_at();
