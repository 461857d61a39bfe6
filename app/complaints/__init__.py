"""Complaints: intake, numbering, reading and searching them, cancelling and withdrawing, messages, incidents."""
