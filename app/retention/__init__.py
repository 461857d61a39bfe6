"""Retention of personal data: how long a finished complaint keeps it, the purge that removes it everywhere it
lives when that time ends (or when legal erases it at the customer's request), legal holds that stop a purge,
and the report of every purge run."""
