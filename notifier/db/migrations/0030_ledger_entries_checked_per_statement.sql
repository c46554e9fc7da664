-- What a ledger entry names (its transaction and account) and what a hold names (the
-- transaction that captured it) are checked to exist once per statement, rather than by
-- foreign keys. A dispatcher's settle of 500 SMS writes 1,000 entries and captures 500 holds,
-- and each foreign key ran a query per row that locked the row it found (FOR KEY SHARE):
-- 2,500 queries a settle, most of a Friday's capture time (a 500-SMS capture took 54-100 ms
-- beside the composing; a wallet updated by another transaction meanwhile also cost a
-- multixact per entry). The entries' statement trigger already joined them to their accounts
-- for the currency check; it now joins their transactions too. Either refusal is a
-- foreign_key_violation, as before.
-- What the keys also did, refuse deleting what an entry names: transactions were already
-- append-only (0002), and accounts now are never deleted either.
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_transaction_id_fkey;
ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_account_id_fkey;
ALTER TABLE ledger_holds DROP CONSTRAINT ledger_holds_transaction_id_fkey;

CREATE OR REPLACE FUNCTION ledger_apply_entries() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    -- Each entry's account and transaction looked up by its key (a subquery per row, kept
    -- apart by OFFSET 0): the statement's entries have no statistics, and a join let the
    -- planner hash every transaction of the ledger for each statement.
    -- (An account's currency is never null: none means no account.)
    SELECT * INTO bad FROM (
        SELECT e.account_id, e.transaction_id, e.currency,
               (SELECT a.currency FROM ledger_accounts a WHERE a.id = e.account_id)
                   AS account_currency,
               NOT EXISTS (SELECT FROM ledger_transactions t WHERE t.id = e.transaction_id)
                   AS no_transaction
          FROM new_entries e OFFSET 0) x
     WHERE no_transaction OR account_currency IS DISTINCT FROM currency LIMIT 1;
    IF FOUND AND bad.no_transaction THEN
        RAISE EXCEPTION 'ledger entry names transaction %, which does not exist',
            bad.transaction_id USING ERRCODE = 'foreign_key_violation';
    ELSIF FOUND AND bad.account_currency IS NULL THEN
        RAISE EXCEPTION 'ledger entry names account %, which does not exist', bad.account_id
            USING ERRCODE = 'foreign_key_violation';
    ELSIF FOUND THEN
        RAISE EXCEPTION 'entry currency % does not match account % currency %',
            bad.currency, bad.account_id, bad.account_currency
            USING ERRCODE = 'check_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM new_entries WHERE posted_at <> transaction_timestamp()) THEN
        RAISE EXCEPTION 'ledger entries are posted at the time of the transaction writing them'
            USING ERRCODE = 'check_violation';
    END IF;  -- as 0023: the balance check reads one partition
    IF current_setting('ledger.wallets_posted_by_caller', true) = 'on' THEN
        RETURN NULL;
    END IF;
    UPDATE ledger_accounts a SET posted = a.posted + s.amount * a.normal_side
      FROM (SELECT account_id, sum(amount) AS amount FROM new_entries GROUP BY account_id) s
     WHERE a.id = s.account_id AND a.kind IN ('wallet', 'receivable');
    RETURN NULL;
END $$;

CREATE FUNCTION ledger_accounts_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger accounts are never deleted' USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER ledger_accounts_kept BEFORE DELETE ON ledger_accounts
    FOR EACH ROW EXECUTE FUNCTION ledger_accounts_kept();
CREATE TRIGGER ledger_accounts_no_truncate BEFORE TRUNCATE ON ledger_accounts
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_accounts_kept();

CREATE FUNCTION ledger_holds_transactions_exist() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing bigint;
BEGIN
    SELECT transaction_id INTO missing FROM (
        SELECT h.transaction_id,
               EXISTS (SELECT FROM ledger_transactions t WHERE t.id = h.transaction_id) AS known
          FROM new_holds h WHERE h.transaction_id IS NOT NULL OFFSET 0) x
     WHERE NOT known LIMIT 1;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'ledger hold names transaction %, which does not exist', missing
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER ledger_holds_transactions_exist_insert AFTER INSERT ON ledger_holds
    REFERENCING NEW TABLE AS new_holds
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_holds_transactions_exist();
CREATE TRIGGER ledger_holds_transactions_exist_update AFTER UPDATE ON ledger_holds
    REFERENCING NEW TABLE AS new_holds
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_holds_transactions_exist();
