"""Request-scoped dependencies: the runtime, one session per request, the calling owner."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from amplifier.models import MAX_ID, Campaign, Owner
from amplifier.owners.api_tokens import owner_for_token
from amplifier.owners.logins import owner_for_session
from amplifier.runtime import Runtime
from amplifier.timeutil import utcnow


async def get_rt(request: Request) -> Runtime:
    """`async`: FastAPI runs a plain `def` dependency in its thread pool, and this one is on
    every route, the cached campaign page's too; one attribute read needs no thread hop."""
    rt: Runtime = request.app.state.runtime
    return rt


RuntimeDep = Annotated[Runtime, Depends(get_rt)]


def get_session(rt: RuntimeDep) -> Iterator[Session]:
    with rt.db.session() as session:
        yield session


# "function" scope: commit before the response is sent, so a page never claims what failed
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
_bearer = HTTPBearer(auto_error=False)


def current_owner(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Owner:
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "send your API token as `Authorization: Bearer amp_…` (make one at /account, "
            "or with `amplifier owner create`); a web login does not open the API",
            headers={"WWW-Authenticate": "Bearer"},
        )
    owner = owner_for_token(session, credentials.credentials)
    if owner is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "this API token is unknown or revoked",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return owner


CurrentOwner = Annotated[Owner, Depends(current_owner)]


# campaign ids are INTEGER columns (32-bit on PostgreSQL): a larger number is no campaign, and
# must be answered 404 before the database refuses to compare it (a 500)


def owned_campaign(campaign_id: int, session: SessionDep, owner: CurrentOwner) -> Campaign:
    campaign = session.get(Campaign, campaign_id) if 1 <= campaign_id <= MAX_ID else None
    # Another owner's campaign is answered exactly like a missing one, as on the pages and in
    # the CLI: a 403 would tell a prober which ids exist.
    if campaign is None or campaign.owner_id != owner.id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no campaign with id {campaign_id}")
    return campaign


OwnedCampaign = Annotated[Campaign, Depends(owned_campaign)]


# --- owners logged in on the web (session cookie; see amplifier/owners/logins.py) ----------------

SESSION_COOKIE = "amp_session"
SECURE_SESSION_COOKIE = "__Host-amp_session"


def session_cookie_name(rt: Runtime) -> str:
    """`__Host-` when served over https: the cookie is then Secure, host-only and path=/."""
    return (
        SECURE_SESSION_COOKIE if rt.settings.public_url.startswith("https://") else SESSION_COOKIE
    )


class LoginRequired(Exception):
    """Raised by `web_owner` when no valid session cookie came: answered with a redirect."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def optional_web_owner(request: Request, session: SessionDep, rt: RuntimeDep) -> Owner | None:
    token = request.cookies.get(session_cookie_name(rt))
    if not token:
        return None
    return owner_for_session(session, token, now=utcnow())


def web_owner(
    request: Request, owner: Annotated[Owner | None, Depends(optional_web_owner)]
) -> Owner:
    if owner is None:
        # back to the page after logging in; a form's action is no page (GET would be a 405)
        raise LoginRequired(request.url.path if request.method == "GET" else "/owner")
    return owner


WebOwner = Annotated[Owner, Depends(web_owner)]
MaybeWebOwner = Annotated[Owner | None, Depends(optional_web_owner)]
