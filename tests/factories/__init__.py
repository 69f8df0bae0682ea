"""The one place tests make owners, campaigns and pledges: `from tests import factories`.

Every row is made through the domain's own functions where one exists (so a rule added there
holds in every test), or written directly where the test only needs the row to exist.

    owners.py      owner (with an API token), verified_owner (web sign-up, address confirmed)
    campaigns.py   payload, campaign, new_campaign, new_campaign_and_token, update_campaign
    pledges.py     consent_on_sandbox, pledge_with_real_tokens, add_pledge, pledge_with_email
    browsers.py    form_browser
    releases.py    owners_campaign, armed_with_image, close_pledging, release_due, release_until,
                   deliveries_by_handle, sandbox_posts (a campaign brought to its release)
    images.py      png
    sites.py       PublicSite, public_site_serving (the deployment's public address on loopback)
"""

from tests.factories.browsers import form_browser
from tests.factories.campaigns import (
    campaign,
    new_campaign,
    new_campaign_and_token,
    payload,
    update_campaign,
)
from tests.factories.owners import PASSWORD, owner, verified_owner
from tests.factories.pledges import (
    add_pledge,
    consent_on_sandbox,
    pledge_with_email,
    pledge_with_real_tokens,
)

__all__ = [
    "PASSWORD",
    "add_pledge",
    "campaign",
    "consent_on_sandbox",
    "form_browser",
    "new_campaign",
    "new_campaign_and_token",
    "owner",
    "payload",
    "pledge_with_email",
    "pledge_with_real_tokens",
    "update_campaign",
    "verified_owner",
]
