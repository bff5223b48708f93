"""HTTP API of Kinerja: reads the database, sends every human action to its workflow."""
