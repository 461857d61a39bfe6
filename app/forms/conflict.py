"""Forms of the conflict complaint (顾客冲突)."""
