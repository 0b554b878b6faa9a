"""Background jobs: long work (imports) as rows in a table, worked by the scheduler process."""
