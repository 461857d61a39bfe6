"""The only package that imports SpiffWorkflow: parse and lint diagrams, restricted expressions, run instances,
the stored state's format and pruning, worker-held timers."""
