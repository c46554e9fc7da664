"""Weekly grade digests: one SMS per subscription and ISO week, at the school's local time.

``compose`` builds the text (pure), ``budget`` fits it into a number of SMS parts (pure),
``schedule`` says which week is due where (pure), ``run`` is the set-based job that charges
and queues them, batch by batch, resumable.
"""


class DigestError(Exception):
    """Root of the digest's errors."""
