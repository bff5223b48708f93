"""Runtime plumbing shared by the composition roots: logging, Temporal connection, the dev server."""
