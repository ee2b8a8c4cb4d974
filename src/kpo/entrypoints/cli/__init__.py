"""Command-line interface (Typer + Rich): one sub-app per area."""
