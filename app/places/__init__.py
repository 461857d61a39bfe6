"""Places of the mall (floors, zones, car-park levels, entrances): chosen at intake, the reports' area."""
