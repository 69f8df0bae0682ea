"""Each platform's settings are its own sub-model, under the environment variables the README's
configuration table lists (issue 8, §1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from amplifier.platforms.mastodon.settings import MastodonSettings
from amplifier.platforms.x.settings import XSettings
from config.settings import Settings, SettingsError


def test_the_documented_variables_reach_the_sub_models(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AMPLIFIER_X_CLIENT_ID", "env-client")
    monkeypatch.setenv("AMPLIFIER_X_API_BASE", "http://127.0.0.1:9")
    monkeypatch.setenv("AMPLIFIER_MASTODON_ALLOW_HTTP", "true")
    monkeypatch.setenv("AMPLIFIER_MASTODON_SUGGESTED_INSTANCE", "social.example")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    x, mastodon = settings.platform("x"), settings.platform("mastodon")
    assert isinstance(x, XSettings) and isinstance(mastodon, MastodonSettings)
    assert (x.client_id, x.api_base) == ("env-client", "http://127.0.0.1:9")
    assert mastodon.allow_http and mastodon.suggested_instance == "social.example"


def test_a_dotenv_file_is_read_for_the_sub_models_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("AMPLIFIER_X_CLIENT_ID=from-dotenv\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AMPLIFIER_X_CLIENT_ID", raising=False)
    assert Settings().platform("x").client_id == "from-dotenv"  # type: ignore[attr-defined]


def test_flat_keywords_go_to_the_platform() -> None:
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, x_client_id="kw", limit_x_app_per_day=5, mastodon_client_name="ours"
    )
    assert settings.platform("x").client_id == "kw"  # type: ignore[attr-defined]
    assert settings.platform("x").limit_app_per_day == 5  # type: ignore[attr-defined]
    assert settings.platform("mastodon").client_name == "ours"  # type: ignore[attr-defined]


def test_production_still_refuses_plain_http_servers(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="AMPLIFIER_MASTODON_ALLOW_HTTP"):
        Settings(  # type: ignore[call-arg]
            _env_file=None,
            env="production",
            token_keys="k",
            signing_key="s",
            database_url="postgresql://db/x",
            redis_url="redis://r/0",
            public_url="https://amplifier.example",
            mastodon_allow_http=True,
        )
