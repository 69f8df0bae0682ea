"""A revoked Meta connection is reported in one sentence per clause: the Graph API's message
ends with its own full stop, and the owner's report read "application.. The supporter must"."""

from __future__ import annotations

import json

from amplifier.platforms._answers import Answer
from amplifier.platforms.base import AuthExpired
from amplifier.platforms.meta.answers import answer_error


def test_a_revoked_tokens_reason_reads_as_sentences() -> None:
    body = {
        "error": {
            "message": "Error validating access token: The user has not authorized application.",
            "type": "OAuthException",
            "code": 190,
        }
    }
    answer = Answer(400, {"Content-Type": "application/json"}, json.dumps(body).encode())
    error = answer_error(answer, write=True, label="Facebook")
    assert isinstance(error, AuthExpired)
    assert str(error) == (
        "Facebook (error 190) no longer lets this account post: Error validating access token: "
        "The user has not authorized application. The supporter must reconnect."
    )
