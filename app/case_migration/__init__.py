"""Moving running complaints to another version of their process: dry runs, migration jobs, the way back."""
