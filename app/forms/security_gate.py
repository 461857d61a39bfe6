"""Forms of the security_gate complaint (报警系统或截停)."""
