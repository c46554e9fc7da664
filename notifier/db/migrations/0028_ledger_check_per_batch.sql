-- The balance check of ledger transactions, once per batch rather than once per transaction.
-- A dispatcher's settle captures hundreds of SMS, each its own ledger transaction (wallet ->
-- SMS revenue); the check ran one query per transaction (a fifth of a Friday's database time).
-- Now the first entry it meets checks, in one query, every ledger transaction from its own up
-- that this database transaction wrote (their entries carry its posted_at), and remembers the
-- range and the highest entry id it saw. An entry in that range at or below that id was part
-- of the sums already; any later entry (a higher id: ids grow within a session) is checked
-- again with everything after it. Entries of a ledger transaction are only written by the
-- session that created it, in one database transaction.
CREATE OR REPLACE FUNCTION ledger_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    seen text[] := string_to_array(current_setting('ledger.balanced_through', true), ':');
    bad bigint;
    top_tx bigint;
    last_id bigint;
BEGIN
    IF cardinality(seen) = 3
       AND NEW.transaction_id BETWEEN seen[1]::bigint AND seen[2]::bigint
       AND NEW.id <= seen[3]::bigint THEN
        RETURN NULL;
    END IF;
    SELECT min(transaction_id) FILTER (WHERE total <> 0), max(transaction_id), max(top)
      INTO bad, top_tx, last_id FROM (
        SELECT transaction_id, sum(amount) AS total, max(id) AS top FROM ledger_entries
         WHERE transaction_id >= NEW.transaction_id AND posted_at = NEW.posted_at
         GROUP BY transaction_id, currency) per_currency;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'ledger transaction % does not balance', bad
            USING ERRCODE = 'check_violation';
    END IF;
    PERFORM set_config('ledger.balanced_through',
                       NEW.transaction_id || ':' || top_tx || ':' || last_id, true);
    RETURN NULL;
END $$;
