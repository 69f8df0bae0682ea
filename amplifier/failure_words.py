"""What went wrong on the wire, in words a person reads: never an exception's class name.

Why one place: messages built from a network failure reach people — a supporter checking their
server's address, an owner reading a post's reason in the report, an operator reading the mail
outbox. `ConnectionError` or `ReadTimeout` tells none of them anything, and every caller that
wrote `type(exc).__name__` into a sentence leaked one. `network_words(exc)` walks the failure and
what caused it (requests wraps urllib3, which wraps the socket's own error; aiohttp keeps the
`OSError` it met) and names the first thing it recognises, most specific first.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator

import aiohttp
import requests
import urllib3.exceptions

CONNECT_TIMED_OUT = "the connection timed out"
NO_ANSWER = "the answer took too long"
NAME_NOT_FOUND = "the server's name was not found"
REFUSED = "the server refused the connection"
CUT = "the connection was cut off"
CERTIFICATE = "the server's certificate could not be checked"
TLS = "the secure connection could not be set up"
ANSWER_CUT = "the answer was cut off"
REDIRECTS = "the server redirected too many times"
NETWORK = "the network connection failed"

# Most specific first: a subclass must come before the class it refines.
_WORDS: tuple[tuple[type[BaseException] | tuple[type[BaseException], ...], str], ...] = (
    (
        (
            requests.ConnectTimeout,
            urllib3.exceptions.ConnectTimeoutError,
            aiohttp.ConnectionTimeoutError,
        ),
        CONNECT_TIMED_OUT,
    ),
    (
        (
            requests.Timeout,
            urllib3.exceptions.TimeoutError,
            aiohttp.SocketTimeoutError,
            aiohttp.ServerTimeoutError,
        ),
        NO_ANSWER,
    ),
    ((socket.gaierror, urllib3.exceptions.NameResolutionError), NAME_NOT_FOUND),
    (ConnectionRefusedError, REFUSED),
    (ssl.SSLCertVerificationError, CERTIFICATE),
    ((ssl.SSLError, requests.exceptions.SSLError, aiohttp.ClientSSLError), TLS),
    (
        (
            requests.exceptions.ChunkedEncodingError,
            aiohttp.ClientPayloadError,
        ),
        ANSWER_CUT,
    ),
    (
        (
            ConnectionResetError,
            ConnectionAbortedError,
            urllib3.exceptions.ProtocolError,
            BrokenPipeError,
            aiohttp.ServerDisconnectedError,
        ),
        CUT,
    ),
    ((requests.TooManyRedirects, aiohttp.TooManyRedirects), REDIRECTS),
    (TimeoutError, NO_ANSWER),
)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """`exc`, then what it wraps: arguments, urllib3's `reason`, aiohttp's `os_error`, causes."""
    seen: set[int] = set()
    todo = [exc]
    while todo and len(seen) < 12:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        inner = [
            *(a for a in current.args if isinstance(a, BaseException)),
            getattr(current, "reason", None),
            getattr(current, "os_error", None),
            current.__cause__,
            current.__context__,
        ]
        todo.extend(e for e in inner if isinstance(e, BaseException))


def network_words(exc: BaseException) -> str:
    """The failure as a clause ("the server refused the connection"), for any network error.

    The first exception of the chain that is recognised decides, so a timeout while connecting
    says so rather than the generic words of the exception wrapping it.
    """
    for step in _chain(exc):
        if isinstance(step, urllib3.exceptions.NewConnectionError):
            continue  # a subclass of ConnectTimeoutError whatever happened: its cause says
        for kinds, words in _WORDS:
            if isinstance(step, kinds):
                return words
    return NETWORK
