"""Facebook Pages: posting as a Page the supporter manages (the declaration says what)."""

from .adapter import FacebookPagesAdapter

__all__ = ["FacebookPagesAdapter"]
