-- The SMS-out core: leases instead of a bare 'sending' flag, in-doubt sends, one alert per
-- cause and subscription, event bodies remembered by hash, events waiting for the roster.

ALTER TABLE notifications
    -- At most one SMS per (subscription, dedupe_key), ever: e.g. one homework alert per
    -- homework and text, one weekly digest per ISO week.
    ADD COLUMN dedupe_key text,
    -- A row being sent belongs to one instance until its lease runs out; only then may
    -- another instance take it over (as in doubt).
    ADD COLUMN lease_owner text,
    ADD COLUMN lease_until timestamptz,
    -- The provider may have accepted it already: ask the provider before sending it again.
    ADD COLUMN in_doubt boolean NOT NULL DEFAULT false;
CREATE UNIQUE INDEX notifications_dedupe_idx ON notifications (subscription_id, dedupe_key)
    WHERE dedupe_key IS NOT NULL;
CREATE INDEX notifications_lease_idx ON notifications (lease_until) WHERE status = 'sending';

-- A redelivery carries the same body; the same event id with another body is a producer bug
-- that must be dead-lettered, not silently ignored.
ALTER TABLE processed_events ADD COLUMN body_sha256 bytea;

-- Events that name a pupil or class we do not know yet (roster and the other topics are
-- different topics, so their order is not guaranteed): kept here, retried, and after
-- ROSTER_WAIT_SECONDS dead-lettered with the reason. Durable, so nothing is lost meanwhile.
CREATE TABLE parked_events (
    event_id        uuid PRIMARY KEY,
    topic           text NOT NULL,
    partition       integer NOT NULL,
    "offset"        bigint NOT NULL,
    key             bytea,
    value           bytea NOT NULL,
    reason          text NOT NULL,
    parked_at       timestamptz NOT NULL,
    next_try_at     timestamptz NOT NULL,
    attempts        integer NOT NULL DEFAULT 0
);
CREATE INDEX parked_events_due_idx ON parked_events (next_try_at);

-- The destination country decides the tariff; only KZ and KG mobiles are accepted (see
-- notifier/sms/phones.py), so the country code prefix tells it without parsing per SMS.
ALTER TABLE subscriptions ADD COLUMN country text NOT NULL
    GENERATED ALWAYS AS (CASE WHEN phone LIKE '+996%' THEN 'KG' ELSE 'KZ' END) STORED;

-- Balances of wallets and receivables follow their entries once per statement, not once per
-- entry: a batch of captured SMS updates each wallet row once (fewer row versions, one lock
-- per wallet instead of one per entry).
DROP TRIGGER ledger_entries_apply ON ledger_entries;
DROP FUNCTION ledger_apply_entry();
CREATE FUNCTION ledger_apply_entries() RETURNS trigger LANGUAGE plpgsql AS $$
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
    UPDATE ledger_accounts a SET posted = a.posted + s.amount * a.normal_side
      FROM (SELECT account_id, sum(amount) AS amount FROM new_entries GROUP BY account_id) s
     WHERE a.id = s.account_id AND a.kind IN ('wallet', 'receivable');
    RETURN NULL;
END $$;
CREATE TRIGGER ledger_entries_apply AFTER INSERT ON ledger_entries
    REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION ledger_apply_entries();
