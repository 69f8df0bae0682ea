"""One folder per emulated platform: its routes and its specifics only (see ``registry``)."""
