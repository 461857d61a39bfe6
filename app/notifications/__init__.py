"""Notifications: the outbox that steps write, its delivery by the worker, and the staff's feed.

A service task's `notify` writes a notification and one delivery row per outside channel (email,
SMS or WeChat) in the step's own transaction; the worker sends the deliveries (app/notifications/
delivery.py), with retries and backoff; staff read their roles' notifications in the pages and the API.
"""
