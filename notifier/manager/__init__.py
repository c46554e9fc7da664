"""The parents' Notification Manager: subscriptions, phone verification, consent records,
signed unsubscribe links, wallet views. Plain functions over a connection; the HTTP views in
notifier/http/api only decode requests, call these and encode the answers."""
