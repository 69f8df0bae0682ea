"""What the public campaign page shows besides the campaign itself: who organises it, share
links, a short FAQ, the tags a shared link's preview is made from, and — after the release —
links to a sample of the posts.

Share links are plain links to each platform's documented compose intent (the platform's
`Declaration.share_intent`): no script, no counter, no tracker; a platform whose accounts live
on a server the supporter names asks for that server first (`campaign_extras`). "Copy link" is a
read-only field holding the address (with a small script that copies it where allowed).

OpenGraph (https://ogp.me/) and Twitter-card (summary) tags give a shared link its preview:
the title, the story's first words and the page's address; no image until campaigns have one.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from sqlmodel import Session, col, select

from amplifier.links import web_link
from amplifier.models import Campaign, Delivery, DeliveryStatus, Owner, Pledge
from amplifier.platforms.declaration import ConnectAsks
from amplifier.platforms.registry import PLATFORMS, declaration
from amplifier.web.rendering import paragraphs

SAMPLE_POSTS = 6
DESCRIPTION_CHARS = 200

FAQ: tuple[tuple[str, str], ...] = (
    (
        "What happens to my account?",
        "You sign in on the platform itself and allow amplifier to post for you. It posts the "
        "one text you agreed to, once, at the release time, and nothing else: it does not "
        "follow, like, read your messages or post again. After the release, or when the "
        "campaign fails or is cancelled, the access to your account is deleted.",
    ),
    (
        "Can I change my mind?",
        "Yes. After pledging you get a private link: until the release you can withdraw there, "
        "and the access to your account is deleted at once. If the organiser changes the "
        "message, your post goes out only if you agree to the new text.",
    ),
    (
        "What if not enough people pledge?",
        "All or nothing: if the goal is not reached by the deadline, nothing is posted from "
        "anyone's account and every connection is deleted.",
    ),
    (
        "Can I delete my post afterwards?",
        "Where the platform allows it, your private link offers to delete your post after the "
        "release; you can always delete it on the platform yourself.",
    ),
    (
        "Who sees my address or my account?",
        "The organiser sees your account's handle and its follower count. An email address is "
        "asked only if you want receipts or updates, is never shown to the organiser, and is "
        "forgotten when the campaign is over.",
    ),
)


@dataclass(frozen=True)
class ShareLink:
    platform: str
    label: str
    href: str | None  # the intent's address; None when a server must be named first
    prompt: str = ""  # "Your Mastodon server", for those that ask
    suggested: str = ""


@dataclass(frozen=True)
class SamplePost:
    handle: str
    label: str
    url: str


@dataclass(frozen=True)
class Organiser:
    name: str


def share_text(campaign: Campaign, page_url: str) -> str:
    return f"{campaign.title} {page_url}"


def intent_href(template: str, text: str, host: str = "") -> str:
    """The intent's address with `text` URL-encoded (and the named server's base URL)."""
    return template.replace("{host}", host.rstrip("/")).replace("{text}", quote(text, safe=""))


def share_links(campaign: Campaign, page_url: str, suggested: dict[str, str]) -> list[ShareLink]:
    """One link per registered platform that declares a share intent (not only the campaign's
    platforms: a supporter may spread the word anywhere)."""
    links = []
    text = share_text(campaign, page_url)
    for name, decl in PLATFORMS.items():
        if decl.share_intent is None:
            continue
        if "{host}" in decl.share_intent:
            asks = decl.connect.asks is not ConnectAsks.NOTHING
            prompt = decl.connect.prompt if asks else f"Your {decl.label} server"
            links.append(ShareLink(name, decl.label, None, prompt, suggested.get(name, "")))
        else:
            links.append(ShareLink(name, decl.label, intent_href(decl.share_intent, text)))
    return links


def description(campaign: Campaign) -> str:
    """The story's first words, for a link preview: at most DESCRIPTION_CHARS characters."""
    first = " ".join(" ".join(paragraphs(campaign.story)).split())
    if len(first) <= DESCRIPTION_CHARS:
        return first
    return first[: DESCRIPTION_CHARS - 1].rsplit(" ", 1)[0] + "…"


def organiser(session: Session, campaign: Campaign) -> Organiser | None:
    owner = session.get(Owner, campaign.owner_id)
    return Organiser(owner.name) if owner is not None and owner.name.strip() else None


def sample_posts(session: Session, campaign: Campaign) -> list[SamplePost]:
    """Up to SAMPLE_POSTS posts that went out, the first ones first, each with a link."""
    rows = session.exec(
        select(Delivery, Pledge)
        .join(Pledge, col(Pledge.id) == col(Delivery.pledge_id))
        .where(
            Delivery.campaign_id == campaign.id,
            Delivery.status == DeliveryStatus.POSTED,
            col(Delivery.remote_url).is_not(None),
        )
        .order_by(col(Delivery.finished_at), col(Delivery.id))
        .limit(SAMPLE_POSTS * 2)
    ).all()
    samples: list[SamplePost] = []
    for delivery, pledge in rows:
        url = web_link(delivery.remote_url)
        if url is not None and len(samples) < SAMPLE_POSTS:
            samples.append(SamplePost(pledge.handle, declaration(pledge.platform).label, url))
    return samples
