"""Runtime plumbing of the composition roots: logging, Temporal connection, dev server."""
