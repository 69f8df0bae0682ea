"""`amplifier campaign image`: the same rules as the API, said in words."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

from PIL import Image

from amplifier.timeutil import utcnow
from tests.cli.test_cli_and_startup import run_cli
from tests.cli.test_usability import _env


def test_attach_refuse_and_remove_an_image_from_the_command_line(tmp_path: Path) -> None:
    env = _env(tmp_path)
    run_cli(env, "db", "upgrade")
    run_cli(env, "owner", "create", "Ada")
    deadline = (utcnow() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    release = (utcnow() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    created = run_cli(
        env, "campaign", "create", "--owner", "1", "--title", "Library", "--story", "s",
        "--text", "Open late #Library", "--goal", "3", "--deadline", deadline,
        "--release", release, "--platforms", "x,mastodon",
    )  # fmt: skip
    assert created.returncode == 0, created.stdout + created.stderr
    photo = tmp_path / "library.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), (90, 60, 30)).save(buffer, "JPEG")
    photo.write_bytes(buffer.getvalue())
    (tmp_path / "notes.png").write_text("not a picture")

    attached = run_cli(
        env, "campaign", "image", "1", "--file", str(photo), "--alt", "The reading room at night"
    )
    assert attached.returncode == 0, attached.stdout + attached.stderr
    assert "message version 1: image/jpeg, 300 by 200 pixels" in attached.stdout
    assert "alt text: The reading room at night" in attached.stdout

    no_alt = run_cli(env, "campaign", "image", "1", "--file", str(photo))
    assert no_alt.returncode == 2 and "--alt is required" in no_alt.stdout
    not_image = run_cli(
        env, "campaign", "image", "1", "--file", str(tmp_path / "notes.png"), "--alt", "x"
    )
    assert not_image.returncode == 2 and "not a JPEG, PNG, WebP or GIF" in not_image.stdout

    removed = run_cli(env, "campaign", "image", "1", "--remove")
    assert removed.returncode == 0 and "no image" in removed.stdout
