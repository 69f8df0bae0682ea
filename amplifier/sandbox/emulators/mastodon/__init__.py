"""The Mastodon instance emulator."""
