-- A parent's monthly spending cap (README: "What a parent controls, and what it costs").
-- monthly_cap is in minor units of `currency`, the wallet's; NULL: no cap. Checked under the
-- wallet's row lock in the transaction that places the holds (notifier/outbox/caps.py).
CREATE TABLE spending_caps (
    parent_id    text PRIMARY KEY,
    monthly_cap  bigint CHECK (monthly_cap >= 0),
    currency     text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    updated_at   timestamptz NOT NULL
);

-- One free notice per parent and month when the cap stops an SMS: the row is the "once".
-- month: the first day of the month in the parent's time zone.
CREATE TABLE cap_notices (
    parent_id        text NOT NULL,
    month            date NOT NULL,
    notification_id  bigint,
    notified_at      timestamptz NOT NULL,
    PRIMARY KEY (parent_id, month)
);

-- An SMS the parent's cap would not cover: recorded, never held, never sent.
ALTER TABLE notifications DROP CONSTRAINT notifications_status_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_status_check CHECK (status IN (
    'queued', 'sending', 'sent', 'failed', 'skipped_insufficient_funds', 'skipped_cap',
    'cancelled'
));

-- Month-to-date spend reads a wallet's holds since the month began.
CREATE INDEX ledger_holds_account_created_idx ON ledger_holds (account_id, created_at);
