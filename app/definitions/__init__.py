"""Deployed diagram versions: deploy (with lint), list, activate (rollback), the compiled-process cache."""
