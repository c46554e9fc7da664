-- A dispatched batch's captures (billing/captures.py) write their ledger entries before the
-- batch locks any wallet, and then move each wallet's balance once, themselves, as the last
-- and shortest step of the settle (README, "Lock order"): the consumer queueing SMS for the
-- same parents waits for one small UPDATE, not for the whole ledger write. For that one
-- statement the capture tells this trigger so (a transaction-local setting); every other
-- writer of entries is unchanged, and the currency check always runs.
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
    END IF;  -- as 0023: the balance check reads one partition
    IF current_setting('ledger.wallets_posted_by_caller', true) = 'on' THEN
        RETURN NULL;
    END IF;
    UPDATE ledger_accounts a SET posted = a.posted + s.amount * a.normal_side
      FROM (SELECT account_id, sum(amount) AS amount FROM new_entries GROUP BY account_id) s
     WHERE a.id = s.account_id AND a.kind IN ('wallet', 'receivable');
    RETURN NULL;
END $$;
