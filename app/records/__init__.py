"""Case records (decisions, payment requests and their life, reports, calls, liaisons) and the service-task
operators that write them."""
