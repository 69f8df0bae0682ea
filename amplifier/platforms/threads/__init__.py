"""Threads: a post from the supporter's own profile (the declaration says what)."""

from .adapter import ThreadsAdapter

__all__ = ["ThreadsAdapter"]
