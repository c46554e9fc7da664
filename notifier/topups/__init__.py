"""Top-ups, the use cases without their views: a parent pays in advance through a gateway.

`gateways` opens the configured payment gateways; `start` starts a top-up; `settle` applies
a gateway's verified callback (dev, Freedom Pay) and `stripe_delivery` a Stripe event, both
answering with one `Settled`; `expiry` and `reconcile` are scheduled jobs. Each use case
opens its own transactions and calls billing; the views in notifier/http/payments only
decode, call one of these and encode.
"""
