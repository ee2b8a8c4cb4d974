"""The routing engine: pure and in-memory; rebuilt from storage at start."""
