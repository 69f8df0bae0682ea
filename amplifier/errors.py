"""The domain's refusals, in one tree: what went wrong, in words for the person who asked.

Every refusal the domain makes is an `AmplifierError` of exactly one *kind*, and its `str()` is a
sentence naming what to change. The kind says what happened, not how a face shows it: the web
layer turns kinds into HTTP answers in one place (`amplifier/web/errors.py`), the CLI into exit
codes and red lines. So no domain module knows a status code or a page title's markup.

    AmplifierError
    ├── InvalidInput            what was sent breaks a rule; the message names the field
    │   ├── CampaignInvalid           campaigns/rules.py: a platform not configured here
    │   ├── MessageInvalid            campaigns/consent.py
    │   ├── InvalidReason             campaigns/moderation.py
    │   ├── LocalTimeProblem          campaigns/localtime.py
    │   │   ├── UnknownZone
    │   │   ├── NonexistentTime    a time the clocks skip (DST gap)
    │   │   └── AmbiguousTime      a time that happens twice (DST fold)
    │   ├── AccountError              owners/logins.py
    │   │   └── WrongPassword
    │   ├── TokenNameError            owners/api_tokens.py
    │   └── UpdateInvalid             notify/updates.py
    ├── NotFound                nothing has that id or address
    │   └── CampaignNotFound          campaigns/moderation.py
    ├── Forbidden               this person may not do this
    ├── Conflict                the state forbids it now: too late, too early, already done
    │   ├── CampaignStateConflict     campaigns/rules.py: cancelling a released campaign
    │   ├── MessageLocked             campaigns/consent.py
    │   ├── WrongState                campaigns/moderation.py
    │   ├── EmailTaken                owners/logins.py (also an AccountError)
    │   └── UpdateTooLate             notify/updates.py
    ├── Expired                 it was possible once and no longer is (a link, an OAuth trip)
    ├── Unavailable             a platform could not be reached or answered nothing usable
    ├── Refused                 asked in a way that cannot be served, none of the above
    │
    │   families, each a base to catch, whose members take their kind from the branch above:
    ├── CampaignRuleError       campaigns/rules.py: CampaignInvalid, CampaignStateConflict,
    │                           MessageLocked (a ValueError, as before)
    ├── ModerationError         campaigns/moderation.py: InvalidReason, CampaignNotFound, WrongState
    ├── UpdateRefused           notify/updates.py: UpdateInvalid, UpdateTooLate
    └── PledgeRefused           pledges/pledging.py: a supporter's step, with a short headline and
                                its kind as an attribute (`kind=NotFound` …), since one class
                                serves every step of the round trip; MessageChanged (Conflict)
                                and PersonalTextRefused (InvalidInput) in campaigns/consent.py;
                                NoAccount in pledges/account_choice.py (no Page or blog to
                                post as, after the platform's sign-in); AlreadyPledged
                                (Conflict) in pledges/pledging.py, which knows the pledge

A member's kind is the first kind in its class's method resolution order (`kind` below), so a
class lists its kind first: `class WrongState(Conflict, ModerationError)`.
Errors of the platforms (`platforms/base.py`: rate limited, auth expired, outcome unknown …) are
the release engine's inputs, not refusals shown to a person, so they have their own tree there.
"""

from __future__ import annotations


class AmplifierError(Exception):
    """A refusal by the domain; `str(exc)` says what to change. `kind` is its branch below."""

    @property
    def kind(self) -> type[AmplifierError]:
        """The first of the `KINDS` this error is, in its class's method resolution order."""
        for cls in type(self).__mro__:
            if cls in KINDS:
                return cls
        return Refused


class InvalidInput(AmplifierError, ValueError):
    """What was sent breaks a rule; the message names the field and what to change."""


class NotFound(AmplifierError):
    """Nothing has that id or address (or the asker may not know it exists)."""


class Forbidden(AmplifierError):
    """This person may not do this."""


class Conflict(AmplifierError):
    """The state forbids it now: too late, too early, or already done."""


class Expired(AmplifierError):
    """It was possible once and is no longer: a link or an OAuth round trip that timed out."""


class Unavailable(AmplifierError):
    """A platform could not be reached, or answered nothing usable; trying later may work."""


class Refused(AmplifierError):
    """Asked in a way that cannot be served, and none of the kinds above says why better."""


KINDS: tuple[type[AmplifierError], ...] = (
    InvalidInput,
    NotFound,
    Forbidden,
    Conflict,
    Expired,
    Unavailable,
    Refused,
)
