"""The step pipeline every feature uses: one step on one complaint as one transaction (lock, load,
act, save, project tasks and timers, audit), and the tables it owns. It uses no feature package."""
