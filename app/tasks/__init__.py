"""The work inbox: query, claim, assign and complete the projected human tasks."""
