-- The service's own accounts of both currencies exist from the start instead of being opened
-- on first use. Opening one inserts its row, and a second transaction opening it meanwhile
-- waits for the first to commit: a settle that captured its first SMS (the account opened
-- before any wallet is locked) and a consumer batch telling a parent its cap was reached
-- (the house account opened after the wallets) could each wait for the other on a fresh
-- database. Wallets are still opened on first use, always before they are locked.
INSERT INTO ledger_accounts (kind, owner, currency, normal_side)
SELECT kind, '', currency, side
  FROM (VALUES ('sms_revenue', -1), ('house', 1)) AS k(kind, side),
       (VALUES ('KZT'), ('KGS')) AS c(currency)
ON CONFLICT (kind, owner, currency) DO NOTHING;
