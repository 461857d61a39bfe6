"""Backups: one directory holding a consistent copy of the database and the attachments' files, with a manifest of
every part's SHA-256; and the restore of such a directory into an empty database."""
