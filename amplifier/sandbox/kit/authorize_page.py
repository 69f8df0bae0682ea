"""The consent pages a supporter sees in the sandbox, built to be driven by a script as well.

The form posts back to the very URL it was served from (same query string) with the fields
``username``, ``followers`` and ``decision`` (``approve`` or ``deny``).
"""

from __future__ import annotations

from html import escape

from aiohttp import web

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}"
    "fieldset{border:1px solid #ccc;border-radius:8px;padding:1rem}"
    "label{display:block;margin:.6rem 0 .2rem}input{width:100%;padding:.4rem}"
    "button{margin:1rem .5rem 0 0;padding:.5rem 1.2rem}.error{color:#b00}"
    "ul{padding-left:1.2rem}code{background:#eee;padding:0 .2rem}"
)


def _page(title: str, body: str, status: int = 200) -> web.Response:
    html = (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )
    return web.Response(text=html, status=status, content_type="text/html")


def consent_page(
    *,
    platform_label: str,
    app_name: str,
    scopes: list[str],
    usernames: list[str],
    action: str,
    error: str | None = None,
    status: int = 200,
) -> web.Response:
    """ "This app wants to post on your behalf": pick or type a user, approve or deny."""
    options = "".join(f"<option value='{escape(u)}'>" for u in usernames)
    existing = (
        "<p>Existing sandbox users:</p><ul>"
        + "".join(f"<li><code>{escape(u)}</code></li>" for u in usernames)
        + "</ul>"
        if usernames
        else "<p>No sandbox user yet: type a name to create one.</p>"
    )
    scope_list = "".join(f"<li><code>{escape(s)}</code></li>" for s in scopes)
    err = f"<p class='error'>{escape(error)}</p>" if error else ""
    body = (
        f"<h1>{escape(platform_label)} (sandbox)</h1>"
        f"<p><strong>{escape(app_name)}</strong> wants to post on your behalf.</p>"
        f"<p>It asks for:</p><ul>{scope_list}</ul>{err}"
        f"<form method='post' action='{escape(action)}'><fieldset>"
        f"<label for='username'>Username</label>"
        f"<input id='username' name='username' list='users' autocomplete='off' required"
        f" pattern='[A-Za-z0-9_]{{1,30}}'>"
        f"<datalist id='users'>{options}</datalist>"
        f"<label for='followers'>Followers (only for a new user; optional)</label>"
        f"<input id='followers' name='followers' type='number' min='0'>"
        f"<button type='submit' name='decision' value='approve'>Authorize app</button>"
        f"<button type='submit' name='decision' value='deny' formnovalidate>Cancel</button>"
        f"</fieldset></form>{existing}"
    )
    return _page(f"Authorize {app_name}", body, status)


def error_page(title: str, message: str, status: int = 400) -> web.Response:
    """Shown instead of redirecting when the client or its redirect URI cannot be trusted."""
    return _page(title, f"<h1>{escape(title)}</h1><p class='error'>{escape(message)}</p>", status)


def code_page(code: str) -> web.Response:
    """The out-of-band flow (redirect_uri urn:ietf:wg:oauth:2.0:oob) shows the code."""
    body = (
        "<h1>Authorization code</h1><p>Copy this code into the application:</p>"
        f"<p><code id='code'>{escape(code)}</code></p>"
    )
    return _page("Authorization code", body)
