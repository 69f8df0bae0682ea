"""One mapping from the domain's refusals (amplifier/errors.py) to HTTP answers.

Every API route and page that answers a refusal asks here for its status, so a kind of refusal
gets the same status everywhere:

    InvalidInput  422 Unprocessable Content   the request names what to fix
    NotFound      404 Not Found
    Forbidden     403 Forbidden
    Conflict      409 Conflict                 the resource's state forbids it now
    Expired       410 Gone
    Unavailable   502 Bad Gateway              a platform upstream failed us
    Refused       400 Bad Request

Statuses follow RFC 9110 §15 (https://www.rfc-editor.org/rfc/rfc9110#section-15).
Forms that show their mistakes on the page again keep their own statuses (see owner_pages.py).
"""

from __future__ import annotations

from fastapi import HTTPException, status

from amplifier.errors import (
    AmplifierError,
    Conflict,
    Expired,
    Forbidden,
    InvalidInput,
    NotFound,
    Refused,
    Unavailable,
)

STATUS: dict[type[AmplifierError], int] = {
    InvalidInput: status.HTTP_422_UNPROCESSABLE_CONTENT,
    NotFound: status.HTTP_404_NOT_FOUND,
    Forbidden: status.HTTP_403_FORBIDDEN,
    Conflict: status.HTTP_409_CONFLICT,
    Expired: status.HTTP_410_GONE,
    Unavailable: status.HTTP_502_BAD_GATEWAY,
    Refused: status.HTTP_400_BAD_REQUEST,
}


def status_for(exc: AmplifierError) -> int:
    """The HTTP status of a refusal, from its kind (`exc.kind`)."""
    return STATUS[exc.kind]


def http_error(exc: AmplifierError) -> HTTPException:
    """The API's answer to a refusal: its kind's status, and its sentence as `detail`."""
    return HTTPException(status_for(exc), str(exc))
