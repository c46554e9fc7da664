-- Bulk onboarding (notifier/onboarding): batches committed per import, opening balances by
-- their external reference, and the account the opening balances come from.

-- opening_balance (debit-normal, owner '', one per currency): the prepaid money parents had
-- paid to the previous system, carried into their wallets. Its balance is what the previous
-- operator holds for us; it goes back to 0 when that money is handed over.
ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_kind_check;
ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_kind_check CHECK (kind IN (
    'wallet', 'sms_revenue', 'gateway_clearing', 'house', 'receivable', 'opening_balance'
));

-- One row per batch committed, written in the batch's own transaction: a rerun after a kill
-- skips exactly these. Its rejects are kept so the rerun writes a complete reject file.
CREATE TABLE import_batches (
    import_id     text NOT NULL,  -- 'sha256:<hex>' of a file, or the id a stream was sent with
    kind          text NOT NULL CHECK (kind IN ('subscriptions', 'balances')),
    batch         integer NOT NULL CHECK (batch >= 0),
    batch_size    integer NOT NULL CHECK (batch_size > 0),
    rows          integer NOT NULL,
    imported      integer NOT NULL,
    existing      integer NOT NULL,  -- already there (an earlier import, or the parent's own)
    rejects       jsonb NOT NULL,    -- [[line, reason, record], ...]
    committed_at  timestamptz NOT NULL,
    PRIMARY KEY (import_id, kind, batch)
);

-- Each opening balance once, by the previous system's reference, whatever file carries it.
-- transaction_id: the journal of the batch that posted it (NULL for a zero balance, which
-- only opens the wallet in its currency).
CREATE TABLE opening_balances (
    reference       text PRIMARY KEY,
    parent_id       text NOT NULL,
    currency        text NOT NULL,
    amount          bigint NOT NULL CHECK (amount >= 0),
    transaction_id  bigint REFERENCES ledger_transactions (id),
    imported_at     timestamptz NOT NULL
);

-- A journal of an import batch has one entry per wallet (50,000 by default): check that it
-- balances once per commit, not once per entry (which reads all its entries each time).
-- The check remembers the last transaction it passed and the highest entry id it saw; an
-- entry of that transaction at or below that id was part of the sum already. Entries of a
-- transaction are only written by the session that created it, with growing ids.
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
         WHERE transaction_id = NEW.transaction_id GROUP BY currency) per_currency;
    IF unbalanced THEN
        RAISE EXCEPTION 'ledger transaction % does not balance', NEW.transaction_id
            USING ERRCODE = 'check_violation';
    END IF;
    PERFORM set_config('ledger.balanced_through', NEW.transaction_id || ':' || last_id, true);
    RETURN NULL;
END $$;
