-- Finance: reconciliation runs against the payment gateways, and the low-balance notice state.

-- One row per reconciliation of a period (dates in Asia/Almaty, both inclusive).
CREATE TABLE reconciliation_runs (
    id            bigserial PRIMARY KEY,
    period_from   date NOT NULL,
    period_to     date NOT NULL CHECK (period_to >= period_from),
    trigger       text NOT NULL CHECK (trigger IN ('schedule', 'manual')),
    requested_by  text,
    gateways      text[] NOT NULL,
    status        text NOT NULL CHECK (status IN ('completed', 'failed')),
    error         text,
    matched       integer NOT NULL DEFAULT 0,
    mismatched    integer NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now()
);
-- Every instance runs the scheduler: the first completed scheduled run of a period wins.
CREATE UNIQUE INDEX reconciliation_runs_scheduled_once
    ON reconciliation_runs (period_from, period_to) WHERE trigger = 'schedule' AND status = 'completed';

-- What a run found for each gateway item (payment, refund, dispute), matched ones included:
-- the run is the proof of where the money went.
CREATE TABLE reconciliation_findings (
    id                     bigserial PRIMARY KEY,
    run_id                 bigint NOT NULL REFERENCES reconciliation_runs (id),
    gateway                text NOT NULL,
    item_kind              text NOT NULL CHECK (item_kind IN ('payment', 'refund', 'dispute')),
    item_key               text NOT NULL,
    finding                text NOT NULL CHECK (finding IN (
        'matched', 'missing_in_ledger', 'missing_at_gateway', 'amount_mismatch',
        'currency_mismatch'
    )),
    ledger_amount          bigint,
    ledger_currency        text,
    ledger_transaction_ids bigint[] NOT NULL DEFAULT '{}',
    gateway_amount         bigint,
    gateway_currency       text,
    occurred_at            timestamptz NOT NULL
);
CREATE INDEX reconciliation_findings_run_idx ON reconciliation_findings (run_id, id);

-- Low-balance notice, once per crossing: set when the parent is told, cleared when the
-- wallet goes back to the threshold or above. The watermark (last wallet entry when told)
-- lets a later check see a top-up that came and went in between.
CREATE TABLE low_balance_states (
    account_id          bigint PRIMARY KEY REFERENCES ledger_accounts (id),
    parent_id           text NOT NULL,
    notified_at         timestamptz,
    notified_available  bigint,
    notified_entry_id   bigint,
    notification_id     bigint REFERENCES notifications (id),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX low_balance_states_flagged_idx ON low_balance_states (parent_id)
    WHERE notified_at IS NOT NULL;
