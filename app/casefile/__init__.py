"""The case file: a complaint exported as a PDF (or a ZIP with its attachments) for a regulator, a consumer
association or a court, the log of who read a customer's unmasked personal data, and the audit chain's
verification run from the pages."""
