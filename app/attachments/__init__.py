"""Attachments: photos and scans (receipts, claim forms, certificates) filed with a complaint."""
