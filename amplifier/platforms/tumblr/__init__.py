"""Tumblr (posts in the Neue Post Format to a blog the supporter chose): `adapter` (calls),
`answers` (what Tumblr's answers mean, its rate windows), `text` (NPF blocks, length).
`from amplifier.platforms.tumblr import TumblrAdapter` is the public face."""

from .adapter import SCOPES, TumblrAdapter

__all__ = ["SCOPES", "TumblrAdapter"]
