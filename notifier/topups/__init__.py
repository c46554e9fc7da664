"""Top-ups, the use cases without their views: a parent pays in advance through a gateway.

`gateways` opens the configured payment gateways; `start` starts a top-up and `reads`
follows it; `settle` applies a gateway's verified callback (dev, Freedom Pay) and
`stripe_delivery.receive` a Stripe event, both answering one `settled.Settled`; `expiry` and
`reconcile` are scheduled jobs (reconcile also serves finance's runs); `manual_credit` is
money put on a wallet by hand. Each use case opens its own transactions and calls billing;
the views in notifier/http only decode, call one of these and encode. Errors: `errors`.
"""
