-- The ledger's entries, partitioned by month (UTC) of posted_at: when the database
-- transaction that wrote the entry ran (transaction_timestamp(), enforced by the apply trigger
-- below). Entries are never dropped by the service (README: "Retention and archiving"); the
-- partitions keep each month's indexes small and let finance move a closed year elsewhere.

-- As in 0021: writers of the previous version wait until the entries have moved over.
LOCK TABLE ledger_entries IN ACCESS EXCLUSIVE MODE;

CREATE TABLE ledger_entries_by_month (
    LIKE ledger_entries INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
    posted_at  timestamptz NOT NULL DEFAULT transaction_timestamp()
) PARTITION BY RANGE (posted_at);
CREATE TABLE ledger_entries_by_month_default PARTITION OF ledger_entries_by_month DEFAULT;
DO $$
DECLARE
    oldest timestamptz := coalesce((SELECT min(created_at) FROM ledger_transactions), now());
    months integer := (extract(year FROM age(date_trunc('month', now()),
                                             date_trunc('month', oldest))) * 12
                       + extract(month FROM age(date_trunc('month', now()),
                                                date_trunc('month', oldest))))::integer;
BEGIN
    months := least(greatest(months, 0), 120);
    PERFORM create_month_partitions('ledger_entries_by_month',
                                    now() - make_interval(months => months), months + 3);
END $$;
-- Entries written before: posted when their journal was (the same database transaction).
INSERT INTO ledger_entries_by_month
SELECT e.*, t.created_at FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id;
DO $$
BEGIN
    IF (SELECT count(*) FROM ledger_entries_by_month) <> (SELECT count(*) FROM ledger_entries) THEN
        RAISE EXCEPTION 'the ledger entries did not move over whole: nothing is changed';
    END IF;
END $$;
ALTER SEQUENCE ledger_entries_id_seq OWNED BY NONE;
DROP TABLE ledger_entries;
ALTER TABLE ledger_entries_by_month RENAME TO ledger_entries;
DO $$
DECLARE
    part record;
BEGIN
    FOR part IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                 WHERE i.inhparent = 'ledger_entries'::regclass LOOP
        EXECUTE format('ALTER TABLE %I RENAME TO %I', part.relname,
                       replace(part.relname, 'ledger_entries_by_month_', 'ledger_entries_'));
    END LOOP;
END $$;
ALTER SEQUENCE ledger_entries_id_seq OWNED BY ledger_entries.id;

ALTER TABLE ledger_entries ADD PRIMARY KEY (id, posted_at);
ALTER TABLE ledger_entries ADD FOREIGN KEY (transaction_id) REFERENCES ledger_transactions (id);
ALTER TABLE ledger_entries ADD FOREIGN KEY (account_id) REFERENCES ledger_accounts (id);
CREATE INDEX ledger_entries_account_idx ON ledger_entries (account_id, id);
CREATE INDEX ledger_entries_transaction_idx ON ledger_entries (transaction_id);

-- Wallet balances follow their entries once per statement, as in 0007; and every entry is
-- posted at its database transaction's time, so the balance check below reads one partition.
CREATE OR REPLACE FUNCTION ledger_apply_entries() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    SELECT e.account_id, e.currency, a.currency AS account_currency INTO bad
      FROM new_entries e JOIN ledger_accounts a ON a.id = e.account_id
     WHERE a.currency IS DISTINCT FROM e.currency LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'entry currency % does not match account % currency %',
            bad.currency, bad.account_id, bad.account_currency
            USING ERRCODE = 'check_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM new_entries WHERE posted_at <> transaction_timestamp()) THEN
        RAISE EXCEPTION 'ledger entries are posted at the time of the transaction writing them'
            USING ERRCODE = 'check_violation';
    END IF;
    UPDATE ledger_accounts a SET posted = a.posted + s.amount * a.normal_side
      FROM (SELECT account_id, sum(amount) AS amount FROM new_entries GROUP BY account_id) s
     WHERE a.id = s.account_id AND a.kind IN ('wallet', 'receivable');
    RETURN NULL;
END $$;
CREATE TRIGGER ledger_entries_apply AFTER INSERT ON ledger_entries
    REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION ledger_apply_entries();

-- The check of 0017, reading only the entries this database transaction wrote (posted_at =
-- its time): the journal's earlier entries balanced at their own commit, so the whole journal
-- balances if and only if these do.
CREATE OR REPLACE FUNCTION ledger_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    seen text := current_setting('ledger.balanced_through', true);
    unbalanced boolean;
    last_id bigint;
BEGIN
    IF seen LIKE NEW.transaction_id || ':%'
       AND NEW.id <= split_part(seen, ':', 2)::bigint THEN
        RETURN NULL;
    END IF;
    SELECT bool_or(total <> 0), max(top) INTO unbalanced, last_id FROM (
        SELECT sum(amount) AS total, max(id) AS top FROM ledger_entries
         WHERE transaction_id = NEW.transaction_id AND posted_at = NEW.posted_at
         GROUP BY currency) per_currency;
    IF unbalanced THEN
        RAISE EXCEPTION 'ledger transaction % does not balance', NEW.transaction_id
            USING ERRCODE = 'check_violation';
    END IF;
    PERFORM set_config('ledger.balanced_through', NEW.transaction_id || ':' || last_id, true);
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced();
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
-- Each partition guarded as create_month_partition guards the ones it creates later.
SELECT guard_partition('ledger_entries', c.relname)
  FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
 WHERE i.inhparent = 'ledger_entries'::regclass;
