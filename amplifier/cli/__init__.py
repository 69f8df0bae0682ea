"""The `amplifier` command: one module per command group; `app.main` is the entry point."""
