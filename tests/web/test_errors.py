"""The domain's refusals: every class is drawn in the tree, and each kind has one HTTP status."""

from __future__ import annotations

import importlib
import pkgutil

import amplifier
from amplifier import errors
from amplifier.campaigns.consent import MessageChanged, MessageInvalid, MessageLocked
from amplifier.campaigns.moderation import CampaignNotFound, InvalidReason, WrongState
from amplifier.campaigns.rules import CampaignInvalid, CampaignStateConflict
from amplifier.errors import AmplifierError, Conflict, NotFound
from amplifier.notify.updates import UpdateInvalid, UpdateTooLate
from amplifier.owners.logins import EmailTaken
from amplifier.pledges.pledging import PledgeRefused
from amplifier.web.errors import status_for


def _every_error_class() -> set[type[AmplifierError]]:
    for info in pkgutil.walk_packages(amplifier.__path__, "amplifier."):
        if ".sandbox" in info.name or info.name.endswith("__main__") or ".migrations" in info.name:
            continue
        importlib.import_module(info.name)
    found: set[type[AmplifierError]] = set()
    todo = [AmplifierError]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.add(sub)
            todo.append(sub)
    return found


def test_every_domain_refusal_is_drawn_in_the_tree() -> None:
    domain = {c for c in _every_error_class() if not c.__module__.startswith("amplifier.web")}
    missing = sorted(c.__name__ for c in domain if c.__name__ not in (errors.__doc__ or ""))
    assert missing == [], "draw these in amplifier/errors.py's tree: " + ", ".join(missing)


def test_each_kind_has_one_status_wherever_it_is_raised() -> None:
    assert status_for(CampaignInvalid("platforms: none")) == 422  # on create
    assert status_for(CampaignStateConflict("released")) == 409  # on cancel
    assert status_for(MessageInvalid("too long")) == 422
    assert status_for(MessageLocked("released")) == 409
    assert status_for(CampaignNotFound("no campaign")) == 404
    assert status_for(InvalidReason("reason")) == 422
    assert status_for(WrongState("approved")) == 409
    assert status_for(UpdateInvalid("empty")) == 422
    assert status_for(UpdateTooLate("over")) == 409
    assert status_for(EmailTaken("taken")) == 409
    assert status_for(PledgeRefused("No such campaign", "Check the link.", kind=NotFound)) == 404
    assert status_for(PledgeRefused("Platform not offered", "Pick another.")) == 400
    assert issubclass(MessageChanged, PledgeRefused)
    assert all(issubclass(c, Conflict) for c in (MessageLocked, WrongState, EmailTaken))
