"""Facebook Login's manual flow, as documented:

- the dialog: ``GET /{version}/dialog/oauth?client_id&redirect_uri&state&scope&response_type=code``
  (scopes comma-separated; https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow);
- the code exchanged at ``/{version}/oauth/access_token`` (``client_id``, ``client_secret``,
  ``redirect_uri``, ``code``) for a short-lived user token (about an hour);
- ``grant_type=fb_exchange_token`` turning it into a long-lived one (about 60 days,
  ``expires_in`` 5184000; https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from amplifier.sandbox.emulators.meta.oauth import MetaAuthorizationServer
from amplifier.sandbox.kit import oauth
from amplifier.sandbox.kit.state import HostState
from amplifier.sandbox.kit.web_util import json_response

SCOPES = ("pages_show_list", "pages_manage_posts", "pages_read_engagement")


class PagesOAuth(MetaAuthorizationServer):
    authorize_path = "/{version}/dialog/oauth"
    token_path = "/{version}/oauth/access_token"
    revoke_path = "/{version}/oauth/revoke"
    texts = oauth.GrantTexts(
        bad_code="This authorization code has expired or has been used.",
        redirect_mismatch="Error validating verification code. Please make sure your "
        "redirect_uri is identical to the one you used in the OAuth dialog request",
        missing_verifier=("invalid_request", "Missing code_verifier"),
        bad_verifier="Invalid code verifier",
        bad_refresh="Invalid refresh token",
        denied="Permissions error",
        unsupported_grant="Unsupported grant_type {grant_type}",
    )
    label = "Facebook"
    scopes = SCOPES
    default_scope = "public_profile"
    bad_app_text = "Invalid App ID"
    no_redirect_text = "URL blocked: no redirect_uri"
    pkce = True

    def other_grant(
        self, state: HostState, grant_type: str, client_id: str, params: dict[str, Any]
    ) -> web.Response | None:
        if grant_type != "fb_exchange_token":
            return None
        short = self.valid(state, str(params.get("fb_exchange_token", "")))
        if short is None or short.client_id != client_id:
            return json_response(
                {
                    "error": {
                        "message": "Error validating access token: the token is invalid.",
                        "type": "OAuthException",
                        "code": 190,
                    }
                },
                400,
            )
        return self.long_lived(state, short)
