-- A year of traffic (issue 16 §3): about 1.5 billion outbox rows and as many ledger entries.
-- Both tables become partitioned by month (UTC), so old months leave in one step (the outbox:
-- notifier/retention/archive.py) and queries on recent rows read recent partitions.
-- This file: the partition helpers and the outbox; 0022: the ledger's entries.

-- Instances of the previous version may still be writing: they wait until this commits, so
-- no row written meanwhile is left behind in the table that is dropped below.
LOCK TABLE notifications IN ACCESS EXCLUSIVE MODE;

-- The partition of `parent` for the UTC month starting at `month`, e.g. notifications_2026_12.
CREATE FUNCTION month_partition_name(parent text, month date) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$ SELECT parent || '_' || to_char(month, 'YYYY_MM') $$;

-- An append-only parent (one with a <parent>_no_truncate trigger: the ledger's entries) has
-- its guards repeated on each partition: a statement trigger on the parent does not fire for
-- a partition named directly, so TRUNCATE of a partition is refused, and so is an INSERT into
-- a partition by name, which would skip the parent's statement trigger (wallet balances).
CREATE FUNCTION refuse_partition_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'insert into %, not into its partition %', TG_ARGV[0], TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE FUNCTION guard_partition(parent text, part text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = parent::regclass
                AND tgname = parent || '_no_truncate') THEN
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT'
                       ' EXECUTE FUNCTION refuse_change()', part || '_no_truncate', part);
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I FOR EACH STATEMENT'
                       ' EXECUTE FUNCTION refuse_partition_insert(%L)',
                       part || '_through_parent', part, parent);
    END IF;
END $$;

-- Creates the partition of `parent` (partitioned by a timestamptz range) for `month` unless it
-- exists; returns whether it created it. Rows of that month already in the DEFAULT partition
-- (written while the month had no partition of its own) are moved into it, so creating a
-- partition late never fails.
CREATE FUNCTION create_month_partition(parent text, month date) RETURNS boolean
    LANGUAGE plpgsql AS $$
DECLARE
    name text := month_partition_name(parent, month);
    dflt text := parent || '_default';
    lo text := quote_literal(month::text || ' 00:00:00+00');
    hi text := quote_literal((month + interval '1 month')::date::text || ' 00:00:00+00');
    key text;
    stray boolean;
BEGIN
    IF to_regclass(name) IS NOT NULL THEN
        RETURN false;
    END IF;
    SELECT a.attname INTO key FROM pg_partitioned_table p
      JOIN pg_attribute a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
     WHERE p.partrelid = parent::regclass;
    EXECUTE format('LOCK TABLE %I IN ACCESS EXCLUSIVE MODE', parent);
    IF to_regclass(name) IS NOT NULL THEN  -- another instance made it while we waited
        RETURN false;
    END IF;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I >= %s AND %I < %s)',
                   dflt, key, lo, key, hi) INTO stray;
    IF stray THEN
        -- Straight inserts into the partitions: the parent's statement triggers (the wallet
        -- balances) do not fire again for rows they have already counted.
        EXECUTE format('ALTER TABLE %I DETACH PARTITION %I', parent, dflt);
        EXECUTE format('ALTER TABLE %I RENAME TO %I', dflt, dflt || '_moving');
        EXECUTE format('CREATE TABLE %I PARTITION OF %I DEFAULT', dflt, parent);
    END IF;
    EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%s) TO (%s)',
                   name, parent, lo, hi);
    IF stray THEN
        EXECUTE format('INSERT INTO %I SELECT * FROM %I WHERE %I >= %s AND %I < %s',
                       name, dflt || '_moving', key, lo, key, hi);
        EXECUTE format('INSERT INTO %I SELECT * FROM %I WHERE NOT (%I >= %s AND %I < %s)',
                       dflt, dflt || '_moving', key, lo, key, hi);
        EXECUTE format('DROP TABLE %I', dflt || '_moving');
    END IF;
    PERFORM guard_partition(parent, name);
    IF stray THEN
        PERFORM guard_partition(parent, dflt);
    END IF;
    RETURN true;
END $$;

-- The partitions of `months` months from the one holding `from_time` on; returns how many
-- this call created. Run by the service's scheduler (notifier/retention/partitions.py).
CREATE FUNCTION create_month_partitions(parent text, from_time timestamptz, months integer)
    RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    first date := date_trunc('month', from_time AT TIME ZONE 'UTC')::date;
    made integer := 0;
BEGIN
    FOR i IN 0 .. months - 1 LOOP
        IF create_month_partition(parent, (first + make_interval(months => i))::date) THEN
            made := made + 1;
        END IF;
    END LOOP;
    RETURN made;
END $$;

-- The keys that make an SMS exactly-once. A partitioned table can only enforce uniqueness
-- over keys that contain its partition key, and a redelivered event or a second digest run
-- may come in another month than the first: so the two unique keys of the outbox live here,
-- in one unpartitioned, narrow table, written by the same statement as the outbox row
-- (notifier/outbox/enqueue.py). A key is kept as long as its outbox row: the archive deletes
-- the keys of a month in the transaction that detaches the month's partition.
-- Service SMS (codes, notices: notifier/outbox/house.py) have no subscription's key and a
-- fresh event id each, so they have no row here.
CREATE TABLE notification_keys (
    id               bigint PRIMARY KEY,        -- the notification's id
    created_at       timestamptz NOT NULL,      -- the notification's, i.e. its partition
    event_id         uuid NOT NULL,
    subscription_id  bigint,
    kind             text NOT NULL,
    dedupe_key       text,
    UNIQUE (event_id, subscription_id, kind)
);
CREATE UNIQUE INDEX notification_keys_dedupe_idx ON notification_keys (subscription_id, dedupe_key)
    WHERE dedupe_key IS NOT NULL;

-- Tables that name a notification keep naming it, but no longer by a foreign key: PostgreSQL
-- lets a foreign key reference a partitioned table only through a unique key containing the
-- partition key, and a foreign key would stop an archived month from being detached. The
-- same check at write time instead: every id written must name an outbox row (the writers
-- take it from the row they have just queued, in the same transaction). Once the row's month
-- is archived, the id is found in the archive.
CREATE FUNCTION refuse_unknown_notification() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ref bigint := (to_jsonb(NEW) ->> TG_ARGV[0])::bigint;
BEGIN
    IF ref IS NOT NULL AND NOT EXISTS (SELECT 1 FROM notifications WHERE id = ref) THEN
        RAISE EXCEPTION '%.% = % names no notification', TG_TABLE_NAME, TG_ARGV[0], ref
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;
ALTER TABLE phone_verifications DROP CONSTRAINT phone_verifications_notification_id_fkey;
ALTER TABLE low_balance_states DROP CONSTRAINT low_balance_states_notification_id_fkey;
ALTER TABLE grade_alert_marks DROP CONSTRAINT grade_alert_marks_notification_id_fkey;
CREATE TRIGGER phone_verifications_notification_exists
    AFTER INSERT OR UPDATE OF notification_id ON phone_verifications
    FOR EACH ROW EXECUTE FUNCTION refuse_unknown_notification('notification_id');
CREATE TRIGGER low_balance_states_notification_exists
    AFTER INSERT OR UPDATE OF notification_id ON low_balance_states
    FOR EACH ROW EXECUTE FUNCTION refuse_unknown_notification('notification_id');
CREATE TRIGGER grade_alert_marks_notification_exists
    AFTER INSERT OR UPDATE OF notification_id ON grade_alert_marks
    FOR EACH ROW EXECUTE FUNCTION refuse_unknown_notification('notification_id');

-- The outbox, partitioned by created_at (when the SMS was queued). Same columns, in the same
-- order, with their defaults and checks; the rows move over, then the names swap.
CREATE TABLE notifications_by_month (
    LIKE notifications INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED
) PARTITION BY RANGE (created_at);
CREATE TABLE notifications_by_month_default PARTITION OF notifications_by_month DEFAULT;
DO $$
DECLARE
    oldest timestamptz := coalesce((SELECT min(created_at) FROM notifications), now());
    months integer := (extract(year FROM age(date_trunc('month', now()),
                                             date_trunc('month', oldest))) * 12
                       + extract(month FROM age(date_trunc('month', now()),
                                                date_trunc('month', oldest))))::integer;
BEGIN
    -- Months back to the oldest row (at most ten years; older rows wait in DEFAULT), and
    -- the next two ahead.
    months := least(greatest(months, 0), 120);
    PERFORM create_month_partitions('notifications_by_month', now() - make_interval(months => months), months + 3);
END $$;
INSERT INTO notification_keys (id, created_at, event_id, subscription_id, kind, dedupe_key)
SELECT id, created_at, event_id, subscription_id, kind, dedupe_key
  FROM notifications WHERE subscription_id IS NOT NULL;
INSERT INTO notifications_by_month SELECT * FROM notifications;
DO $$
BEGIN
    IF (SELECT count(*) FROM notifications_by_month) <> (SELECT count(*) FROM notifications) THEN
        RAISE EXCEPTION 'the outbox did not move over whole: nothing is changed';
    END IF;
END $$;
ALTER SEQUENCE notifications_id_seq OWNED BY NONE;
DROP TABLE notifications;
ALTER TABLE notifications_by_month RENAME TO notifications;
ALTER TABLE notifications_by_month_default RENAME TO notifications_default;
DO $$
DECLARE
    part record;
BEGIN
    FOR part IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                 WHERE i.inhparent = 'notifications'::regclass
                   AND c.relname LIKE 'notifications_by_month_%' LOOP
        EXECUTE format('ALTER TABLE %I RENAME TO %I', part.relname,
                       replace(part.relname, 'notifications_by_month_', 'notifications_'));
    END LOOP;
END $$;
ALTER SEQUENCE notifications_id_seq OWNED BY notifications.id;

ALTER TABLE notifications ADD PRIMARY KEY (id, created_at);
ALTER TABLE notifications ADD FOREIGN KEY (subscription_id) REFERENCES subscriptions (id);
-- The indexes of 0001-0020 again; the provider's message id is unique at the provider, the
-- index is for finding the row by it (a unique index would have to contain created_at).
CREATE INDEX notifications_event_idx ON notifications (event_id);
CREATE INDEX notifications_due_idx ON notifications (next_attempt_at) WHERE status = 'queued';
CREATE INDEX notifications_parent_idx ON notifications (parent_id, created_at DESC);
CREATE INDEX notifications_provider_message_idx ON notifications (provider, provider_message_id)
    WHERE provider_message_id IS NOT NULL;
CREATE INDEX notifications_lease_idx ON notifications (lease_until) WHERE status = 'sending';
CREATE INDEX notifications_awaiting_report_idx ON notifications (provider, sent_at)
    WHERE status = 'sent' AND delivery_status IS NULL;
CREATE INDEX notifications_grade_alert_idx ON notifications ((dedupe_key COLLATE "C"))
    WHERE dedupe_key LIKE 'grade:%';
CREATE INDEX notifications_sent_at_idx ON notifications (sent_at) WHERE status = 'sent';
CREATE INDEX notifications_failed_at_idx ON notifications (failed_at) WHERE status = 'failed';
CREATE INDEX notifications_hold_idx ON notifications (hold_id) WHERE hold_id IS NOT NULL;
