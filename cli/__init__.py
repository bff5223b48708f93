"""The `kinerja` operator command line."""
