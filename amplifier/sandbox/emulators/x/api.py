"""The X API v2 endpoints: users/me, create a post, look posts up.

Facts, and where they come from:

* ``POST /2/tweets`` (https://docs.x.com/x-api/posts/creation-of-a-post): JSON ``{"text"}``
  and optionally ``"media": {"media_ids"}`` (media.py),
  answer 201 ``{"data": {"id", "text", "edit_history_tweet_ids"}}``; needs the scopes
  ``tweet.read tweet.write users.read``. Duplicate text: 403 "You are not allowed to create a
  Tweet with duplicate content.". Too long: 403 "Your Tweet text is too long. ..." (the text X
  answers with; the docs do not print it).
* ``GET /2/users/me`` with ``user.fields=public_metrics``
  (https://docs.x.com/x-api/users/user-lookup-me); ``GET /2/users/:id/tweets``
  (https://docs.x.com/x-api/users/get-posts) newest first, ``max_results`` 5..100, ``meta``
  with ``result_count``, ``newest_id``, ``oldest_id``, ``next_token``; ``GET /2/tweets/:id``.
* ``DELETE /2/tweets/:id`` (https://developer.x.com/en/docs/x-api/tweets/manage-tweets/
  api-reference/delete-tweets-id): the author's own post, scopes ``tweet.read tweet.write
  users.read``, 50 requests per 15 minutes per user; answer ``{"data": {"deleted": true}}``.
* Rate limits ("X API Rate Limits", https://docs.x.com/x-api/fundamentals/rate-limits):
  ``POST /2/tweets`` counts per user (``x-rate-limit-limit|remaining|reset``, reset in epoch
  seconds) and per app in 24 hours (``x-app-limit-24hour-limit|remaining|reset``); the read
  endpoints have their own per-user 15-minute windows.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from amplifier.sandbox.emulators.x.answers import fields, invalid_request, not_found, problem
from amplifier.sandbox.emulators.x.fields import TWEET_FIELDS, USER_FIELDS
from amplifier.sandbox.emulators.x.media import media_of_post
from amplifier.sandbox.emulators.x.textlen import X_MAX_WEIGHTED_LENGTH, x_weighted_length
from amplifier.sandbox.kit.dialect import RateHeaders, RateWindow
from amplifier.sandbox.kit.preamble import Call, after_accept, endpoint
from amplifier.sandbox.kit.state import HostState, Post, User, iso, now
from amplifier.sandbox.kit.web_util import read_params

DUPLICATE = "You are not allowed to create a Tweet with duplicate content."
TOO_LONG = (
    "Your Tweet text is too long. For more information on how X determines text length see "
    "https://github.com/twitter/twitter-text."
)
DEFAULT_AVATAR = "https://abs.twimg.com/sticky/default_profile_images/default_profile_normal.png"
PER_USER = RateHeaders("x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset")
PER_APP_24H = RateHeaders(
    "x-app-limit-24hour-limit", "x-app-limit-24hour-remaining", "x-app-limit-24hour-reset"
)
POST_WINDOWS = (
    RateWindow("tweets", "user", PER_USER),
    RateWindow("tweets_app", "client", PER_APP_24H),
)


def _read_window(bucket: str, limit: int) -> tuple[RateWindow]:
    """A read endpoint's documented per-user limit, in a 15-minute window."""
    return (RateWindow(bucket, "user", PER_USER, limit=limit, window_s=900),)


def _user_json(state: HostState, user: User, fields: set[str]) -> dict[str, Any]:
    data: dict[str, Any] = {"id": user.id, "name": user.name, "username": user.username}
    posts = state.posts_by_user.get(user.id, [])
    if "public_metrics" in fields:
        data["public_metrics"] = {
            "followers_count": user.followers,
            "following_count": 0,
            "tweet_count": len(posts),
            "listed_count": 0,
            "like_count": 0,
        }
    if "created_at" in fields:
        data["created_at"] = iso(user.created_at)
    if "description" in fields:
        data["description"] = ""
    if "protected" in fields:
        data["protected"] = False
    if "verified" in fields:
        data["verified"] = False
    if "profile_image_url" in fields:
        data["profile_image_url"] = DEFAULT_AVATAR
    if "url" in fields:
        data["url"] = ""
    if "most_recent_tweet_id" in fields and posts:
        data["most_recent_tweet_id"] = posts[-1].id
    return data


def _tweet_json(post: Post, fields: set[str]) -> dict[str, Any]:
    data: dict[str, Any] = {"id": post.id, "text": post.text, "edit_history_tweet_ids": [post.id]}
    if "author_id" in fields:
        data["author_id"] = post.user_id
    if "created_at" in fields:
        data["created_at"] = iso(post.created_at)
    if "public_metrics" in fields:
        data["public_metrics"] = {
            "retweet_count": 0,
            "reply_count": 0,
            "like_count": 0,
            "quote_count": 0,
            "bookmark_count": 0,
            "impression_count": 0,
        }
    return data


@endpoint(bearer=True, windows=_read_window("users_me", 75), scopes=("users.read",))
async def users_me(call: Call) -> web.StreamResponse:
    asked = fields(call.request, "user.fields", USER_FIELDS)
    if isinstance(asked, web.Response):
        return asked
    return call.answer({"data": _user_json(call.state, call.user, asked)})


def _text_problem(state: HostState, user: User, text: object) -> web.Response | None:
    if not isinstance(text, str) or not text.strip():
        return invalid_request("text", "" if text is None else str(text), "text must not be empty.")
    if x_weighted_length(text) > X_MAX_WEIGHTED_LENGTH:
        return problem(403, TOO_LONG)
    last = state.recent_texts.get((user.id, text))
    if last is not None and now() - last < state.faults.duplicate_window_s:
        return problem(403, DUPLICATE)
    return None


@endpoint(bearer=True, windows=POST_WINDOWS, scopes=("tweet.read", "tweet.write", "users.read"))
async def create_tweet(call: Call) -> web.StreamResponse:
    state, user, request = call.state, call.user, call.request
    if request.content_type != "application/json":
        return invalid_request(
            "body", "", "Requests with bodies must have content-type of application/json."
        )
    try:
        body = await read_params(request)
    except ValueError:
        return invalid_request("body", "", "Request body is not valid JSON.")
    text = body.get("text")
    refused = _text_problem(state, user, text)
    if refused is not None:
        return refused
    assert isinstance(text, str)
    media = media_of_post(state, user, body)
    if isinstance(media, web.Response):
        return media
    post = state.store_post(user, text, media=media)
    state.recent_texts[(user.id, text)] = post.created_at
    spoiled = await after_accept(call)
    if spoiled is not None:
        return spoiled
    data = {"id": post.id, "text": post.text, "edit_history_tweet_ids": [post.id]}
    return call.answer({"data": data}, 201)


@endpoint(
    bearer=True,
    windows=(RateWindow("tweet_delete", "user", PER_USER, limit=50, window_s=900),),
    scopes=("tweet.read", "tweet.write", "users.read"),
)
async def delete_tweet(call: Call) -> web.StreamResponse:
    tweet_id = call.request.match_info["id"]
    post = call.state.posts_by_id.get(tweet_id)
    if post is None:
        return problem(404, f"Could not find tweet with id: [{tweet_id}].")
    if post.user_id != call.user.id:
        return problem(403, "You are not allowed to delete a Tweet you did not author.")
    call.state.delete_post(post)
    return call.answer({"data": {"deleted": True}})


@endpoint(bearer=True, windows=_read_window("tweet_lookup", 900))
async def get_tweet(call: Call) -> web.StreamResponse:
    asked = fields(call.request, "tweet.fields", TWEET_FIELDS)
    if isinstance(asked, web.Response):
        return asked
    tweet_id = call.request.match_info["id"]
    post = call.state.posts_by_id.get(tweet_id)
    if post is None:
        return call.answer({"errors": [not_found("tweet", "id", tweet_id)]})
    return call.answer({"data": _tweet_json(post, asked)})


@endpoint(bearer=True, windows=_read_window("user_tweets", 900))
async def user_tweets(call: Call) -> web.StreamResponse:
    state, request = call.state, call.request
    asked = fields(request, "tweet.fields", TWEET_FIELDS)
    if isinstance(asked, web.Response):
        return asked
    q = request.query
    try:
        max_results = int(q.get("max_results", "10"))
    except ValueError:
        return invalid_request("max_results", q["max_results"], "max_results must be a number.")
    if not 5 <= max_results <= 100:
        return invalid_request(
            "max_results",
            str(max_results),
            "The `max_results` query parameter value is not between 5 and 100",
        )
    user_id = request.match_info["id"]
    if user_id not in state.users:
        return call.answer({"errors": [not_found("user", "id", user_id)]})
    posts = state.posts_by_user.get(user_id, [])
    since_id = q.get("since_id")
    until_id = q.get("until_id") or q.get("pagination_token")
    chosen: list[Post] = []
    for post in reversed(posts):
        if until_id and int(post.id) >= int(until_id):
            continue
        if since_id and int(post.id) <= int(since_id):
            break
        chosen.append(post)
        if len(chosen) > max_results:
            break
    more = len(chosen) > max_results
    chosen = chosen[:max_results]
    meta: dict[str, Any] = {"result_count": len(chosen)}
    if chosen:
        meta["newest_id"] = chosen[0].id
        meta["oldest_id"] = chosen[-1].id
        if more:
            meta["next_token"] = chosen[-1].id
    body: dict[str, Any] = {"meta": meta}
    if chosen:
        body = {"data": [_tweet_json(p, asked) for p in chosen], "meta": meta}
    return call.answer(body)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/2/users/me", users_me)
    app.router.add_post("/2/tweets", create_tweet)
    app.router.add_get("/2/tweets/{id:\\d+}", get_tweet)
    app.router.add_delete("/2/tweets/{id:\\d+}", delete_tweet)
    app.router.add_get("/2/users/{id:\\d+}/tweets", user_tweets)
