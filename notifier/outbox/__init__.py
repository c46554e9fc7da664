"""SMS out: the one home of every outgoing SMS and its money.

Where an SMS is priced and held (`enqueue`), paid by the house (`house`), the low-balance
notice (`lowbalance`), who receives it (`recipients`), sending and settling its hold
(`dispatcher`; what is due and leased lives in the narrow `queue`), what the provider
reported (`delivery`) and giving up on stale ones (`expiry`). `billing/` below it is money
only and knows nothing of SMS.
"""
