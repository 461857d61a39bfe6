"""The monthly review: aggregate reports of complaints over a period, and their exports."""
