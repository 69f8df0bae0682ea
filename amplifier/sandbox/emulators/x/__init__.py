"""The X API v2 emulator."""
