"""The owner's API tokens through the API: list, make (shown once), revoke.

A token's digest never leaves the server; the list shows names and dates only. Another owner's
token id is answered like an id nobody has (404), so ids do not reveal who holds what.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, Field

from amplifier.models import ApiToken
from amplifier.owners.api_tokens import (
    MAX_TOKEN_NAME,
    TokenNameError,
    issue_token,
    list_tokens,
    owned_token,
    revoke_token,
)
from amplifier.timeutil import utcnow
from amplifier.web.deps import CurrentOwner, SessionDep
from amplifier.web.errors import http_error
from amplifier.web.path_ids import path_id

router = APIRouter(prefix="/api/tokens", tags=["API tokens"])


class TokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=MAX_TOKEN_NAME)


class TokenPublic(BaseModel):
    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, row: ApiToken) -> TokenPublic:
        assert row.id is not None
        return cls(
            id=row.id,
            name=row.name,
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            revoked_at=row.revoked_at,
        )


class TokenCreated(TokenPublic):
    token: str = Field(description="the token itself: shown this once, only its digest is kept")


@router.get("", response_model=list[TokenPublic])
def list_own_tokens(session: SessionDep, owner: CurrentOwner) -> list[TokenPublic]:
    assert owner.id is not None
    return [TokenPublic.of(row) for row in list_tokens(session, owner_id=owner.id)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TokenCreated)
def create_own_token(data: TokenCreate, session: SessionDep, owner: CurrentOwner) -> TokenCreated:
    assert owner.id is not None
    try:
        row, token = issue_token(session, owner_id=owner.id, name=data.name)
    except TokenNameError as exc:
        raise http_error(exc) from exc
    return TokenCreated(**TokenPublic.of(row).model_dump(), token=token)


@router.post("/{token_id}/revoke", response_model=TokenPublic)
def revoke_own_token(token_id: str, session: SessionDep, owner: CurrentOwner) -> TokenPublic:
    assert owner.id is not None
    wanted = path_id(token_id)
    row = owned_token(session, owner_id=owner.id, token_id=wanted) if wanted else None
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "you have no API token with this id")
    revoke_token(session, token=row, now=utcnow())
    return TokenPublic.of(row)
