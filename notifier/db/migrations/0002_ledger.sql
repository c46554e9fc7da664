-- Double-entry, append-only ledger with holds. Amounts are integers in minor units.
-- Entry amounts are signed: positive = debit, negative = credit. Every transaction's entries
-- sum to zero per currency (checked at commit by a deferred constraint trigger).

CREATE TABLE ledger_accounts (
    id           bigserial PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN (
        'wallet', 'sms_revenue', 'gateway_clearing', 'house', 'receivable'
    )),
    owner        text NOT NULL,
    currency     text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    -- +1: debit-normal (assets, expenses); -1: credit-normal (liabilities, revenue).
    normal_side  smallint NOT NULL CHECK (normal_side IN (1, -1)),
    -- Balance on the account's normal side, maintained by trigger from its entries for
    -- wallets and receivables only (see ledger_apply_entry); 0 on the service's own accounts.
    posted       bigint NOT NULL DEFAULT 0,
    held         bigint NOT NULL DEFAULT 0 CHECK (held >= 0),
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, owner, currency),
    -- The prepaid-money rule: what a parent can spend never goes below zero.
    CONSTRAINT wallet_available_not_negative CHECK (kind <> 'wallet' OR posted - held >= 0)
);
-- A parent's wallet holds one currency.
CREATE UNIQUE INDEX ledger_one_wallet_per_parent ON ledger_accounts (owner) WHERE kind = 'wallet';

CREATE TABLE ledger_transactions (
    id          bigserial PRIMARY KEY,
    kind        text NOT NULL,
    -- The external cause: a hold id, a gateway payment id, a webhook event id... Unique per
    -- kind, so applying the same cause twice is refused by the database.
    reference   text NOT NULL,
    memo        text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (kind, reference)
);

CREATE TABLE ledger_entries (
    id              bigserial PRIMARY KEY,
    transaction_id  bigint NOT NULL REFERENCES ledger_transactions (id),
    account_id      bigint NOT NULL REFERENCES ledger_accounts (id),
    amount          bigint NOT NULL CHECK (amount <> 0),
    currency        text NOT NULL
);
CREATE INDEX ledger_entries_account_idx ON ledger_entries (account_id, id);
CREATE INDEX ledger_entries_transaction_idx ON ledger_entries (transaction_id);

CREATE TABLE ledger_holds (
    id                 bigserial PRIMARY KEY,
    account_id         bigint NOT NULL REFERENCES ledger_accounts (id),
    amount             bigint NOT NULL CHECK (amount > 0),
    currency           text NOT NULL,
    reference          text NOT NULL UNIQUE,
    status             text NOT NULL DEFAULT 'open'
        CHECK (status IN ('open', 'captured', 'released')),
    created_at         timestamptz NOT NULL DEFAULT now(),
    expires_at         timestamptz NOT NULL,
    resolved_at        timestamptz,
    resolution         text,
    transaction_id     bigint REFERENCES ledger_transactions (id)
);
CREATE INDEX ledger_holds_open_idx ON ledger_holds (expires_at) WHERE status = 'open';

-- Price of one SMS part, versioned by effective date; a hold uses the tariff in force when
-- it is placed. country NULL = any destination.
CREATE TABLE tariffs (
    id              bigserial PRIMARY KEY,
    currency        text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    country         text,
    price_per_part  bigint NOT NULL CHECK (price_per_part > 0),
    effective_from  timestamptz NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE NULLS NOT DISTINCT (currency, country, effective_from)
);
INSERT INTO tariffs (currency, country, price_per_part, effective_from) VALUES
    ('KZT', NULL, 2000, '2024-01-01T00:00:00Z'),   -- 20.00 KZT per part
    ('KGS', NULL, 300, '2024-01-01T00:00:00Z');    -- 3.00 KGS per part

-- Cached balances are kept only on per-parent accounts (wallets, receivables), where they are
-- checked under the row lock. The service's own accounts (revenue, clearing, house) are summed
-- from their entries when needed: a cached total there would be one hot row that serialises
-- every charge of every parent.
CREATE FUNCTION ledger_apply_entry() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    account record;
BEGIN
    SELECT kind, currency INTO account FROM ledger_accounts WHERE id = NEW.account_id;
    IF account.currency IS DISTINCT FROM NEW.currency THEN
        RAISE EXCEPTION 'entry currency % does not match account % currency %',
            NEW.currency, NEW.account_id, account.currency
            USING ERRCODE = 'check_violation';
    END IF;
    IF account.kind IN ('wallet', 'receivable') THEN
        UPDATE ledger_accounts SET posted = posted + NEW.amount * normal_side
         WHERE id = NEW.account_id;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER ledger_entries_apply AFTER INSERT ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_apply_entry();

CREATE FUNCTION ledger_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM ledger_entries
         WHERE transaction_id = NEW.transaction_id
         GROUP BY currency HAVING sum(amount) <> 0
    ) THEN
        RAISE EXCEPTION 'ledger transaction % does not balance', NEW.transaction_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced();

-- Shared by every append-only table (ledger, top-up history, consent records).
CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER ledger_transactions_append_only BEFORE UPDATE OR DELETE ON ledger_transactions
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER ledger_transactions_no_truncate BEFORE TRUNCATE ON ledger_transactions
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
