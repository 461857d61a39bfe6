"""Time limits: named durations, the business calendar, whole-case limits, the worker's timer loop, settings."""
