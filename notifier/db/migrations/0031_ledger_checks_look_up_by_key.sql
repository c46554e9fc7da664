-- 0030's existence checks, each transaction looked up by its key.
-- They asked `EXISTS (SELECT FROM ledger_transactions t WHERE t.id = ...)` per entry (and per
-- captured hold). PostgreSQL may run such an EXISTS as a hashed subplan: it read the whole
-- of ledger_transactions into a hash table for every statement, and chose to while the table
-- was small enough to look cheap. auto_explain during the latency bench's 3,000 events/s phase:
-- a dispatcher's capture of 500 SMS took 116 ms, of which the entries' check took 47 ms and
-- the holds' check 54 ms, each a sequential scan of 120,000-180,000 transactions, growing with
-- the ledger. A scalar subquery is never hashed: one index lookup per row (~3 us).

CREATE OR REPLACE FUNCTION ledger_apply_entries() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    -- Each entry's account and transaction looked up by its key (a scalar subquery per row,
    -- kept apart by OFFSET 0): the statement's entries have no statistics, and a join, or an
    -- EXISTS, let the planner hash every transaction of the ledger for each statement.
    -- (An account's currency is never null: none means no account.)
    SELECT * INTO bad FROM (
        SELECT e.account_id, e.transaction_id, e.currency,
               (SELECT a.currency FROM ledger_accounts a WHERE a.id = e.account_id)
                   AS account_currency,
               (SELECT t.id FROM ledger_transactions t WHERE t.id = e.transaction_id) IS NULL
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

CREATE OR REPLACE FUNCTION ledger_holds_transactions_exist() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing bigint;
BEGIN
    SELECT transaction_id INTO missing FROM (
        SELECT h.transaction_id,
               (SELECT t.id FROM ledger_transactions t WHERE t.id = h.transaction_id) IS NOT NULL
                   AS known
          FROM new_holds h WHERE h.transaction_id IS NOT NULL OFFSET 0) x
     WHERE NOT known LIMIT 1;
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'ledger hold names transaction %, which does not exist', missing
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;
