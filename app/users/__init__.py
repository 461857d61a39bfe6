"""Users, roles, API tokens, the read policy, the password rule, logging in and its throttle."""
