"""Key rotation: every stored secret re-encrypted under the newest token key.

`AMPLIFIER_TOKEN_KEYS` lists Fernet keys newest first; `TokenCipher` decrypts with any of them and
encrypts with the first. Rotation moves what is already stored onto the first key, so an old key
can then be removed from the configuration:

1. put the new key first (`NEW,OLD`) everywhere and restart every process;
2. run `amplifier keys rotate` (safe while the service runs, safe to run again);
3. once it reports nothing left under an older key, drop the old key (`NEW`) and restart.

The rotation pages through each table by id (bounded memory) and commits each page. A secret is
written back only if its row still holds the ciphertext that was read (the UPDATE's WHERE compares
it), so a token refreshed or a pledge withdrawn meanwhile is never clobbered: that row is counted
as changed and left for the next run. A secret no configured key can read is reported by table,
row and column, and the run goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlmodel import SQLModel

from amplifier.db import Database
from amplifier.models import MastodonApp, OAuthAttempt, Pledge


@dataclass(frozen=True)
class SecretColumns:
    """A table and the columns of it that hold Fernet ciphertext."""

    model: type[SQLModel]
    columns: tuple[str, ...]

    @property
    def table(self) -> sa.Table:
        table: sa.Table = self.model.__table__  # type: ignore[attr-defined]
        return table


# Every column holding a Fernet token in the schema (models.py). A new encrypted column must be
# added here, or rotation would strand it under a key about to be removed (a test checks this).
SECRET_COLUMNS: tuple[SecretColumns, ...] = (
    SecretColumns(Pledge, ("access_token_enc", "refresh_token_enc", "token_extras_enc")),
    SecretColumns(
        OAuthAttempt,
        ("code_verifier_enc", "access_token_enc", "refresh_token_enc", "token_extras_enc"),
    ),
    SecretColumns(MastodonApp, ("client_secret_enc",)),
)


class KeyRing:
    """The configured keys, newest first, seen as rotation needs them."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise ValueError("at least one token key is needed")
        self._newest = Fernet(keys[0])
        self._all = MultiFernet([Fernet(k) for k in keys])
        self.count = len(keys)

    def is_current(self, ciphertext: str) -> bool:
        """Already encrypted under the newest key."""
        try:
            self._newest.decrypt(ciphertext.encode())
        except InvalidToken:
            return False
        return True

    def rotate(self, ciphertext: str) -> str:
        """The same plaintext under the newest key; `InvalidToken` if no key can read it."""
        return self._all.rotate(ciphertext.encode()).decode()


@dataclass(frozen=True)
class Unreadable:
    table: str
    row_id: int
    column: str


@dataclass
class TableRotation:
    table: str
    rows: int = 0  # rows read
    secrets: int = 0  # non-empty secret columns read
    rotated: int = 0  # secrets re-encrypted under the newest key and written back
    current: int = 0  # secrets already under the newest key (nothing written)
    changed: int = 0  # secrets whose row changed between read and write: left for the next run
    unreadable: list[Unreadable] = field(default_factory=list)


@dataclass
class RotationReport:
    keys: int
    dry_run: bool
    tables: list[TableRotation]

    @property
    def rotated(self) -> int:
        return sum(t.rotated for t in self.tables)

    @property
    def changed(self) -> int:
        return sum(t.changed for t in self.tables)

    @property
    def unreadable(self) -> list[Unreadable]:
        return [u for t in self.tables for u in t.unreadable]

    @property
    def complete(self) -> bool:
        """Every stored secret is now under the newest key: older keys can be removed."""
        if self.dry_run:
            return all(t.current == t.secrets for t in self.tables)
        return self.changed == 0 and not self.unreadable


# Called after a page is read and before it is written: (table name, ids read). For tests that
# change a row under the rotation's feet, as a live service would.
PageHook = Callable[[str, list[int]], None]


def rotate_secrets(
    db: Database,
    keys: Sequence[bytes],
    *,
    batch_size: int = 500,
    dry_run: bool = False,
    after_read: PageHook | None = None,
) -> RotationReport:
    """Re-encrypt every stored secret under the newest key, page by page; see the module doc."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    ring = KeyRing(keys)
    report = RotationReport(keys=ring.count, dry_run=dry_run, tables=[])
    for spec in SECRET_COLUMNS:
        report.tables.append(
            _rotate_table(db, ring, spec, batch_size, dry_run=dry_run, after_read=after_read)
        )
    return report


def _rotate_table(
    db: Database,
    ring: KeyRing,
    spec: SecretColumns,
    batch_size: int,
    *,
    dry_run: bool,
    after_read: PageHook | None,
) -> TableRotation:
    table = spec.table
    id_col = table.c.id
    cols = [table.c[name] for name in spec.columns]
    result = TableRotation(table=table.name)
    last_id: int | None = None
    while True:
        query = sa.select(id_col, *cols).order_by(id_col).limit(batch_size)
        if last_id is not None:
            query = query.where(id_col > last_id)
        with db.session() as session:
            rows = session.execute(query).all()
        if not rows:
            return result
        last_id = int(rows[-1][0])
        result.rows += len(rows)
        if after_read is not None:
            after_read(table.name, [int(r[0]) for r in rows])
        updates: list[tuple[int, dict[str, str], dict[str, str]]] = []
        for row in rows:
            row_id = int(row[0])
            old: dict[str, str] = {}
            new: dict[str, str] = {}
            for name, value in zip(spec.columns, row[1:], strict=True):
                if value is None:
                    continue
                result.secrets += 1
                if ring.is_current(value):
                    result.current += 1
                    continue
                try:
                    rotated = ring.rotate(value)
                except InvalidToken:
                    result.unreadable.append(Unreadable(table.name, row_id, name))
                    continue
                old[name] = value
                new[name] = rotated
            if new:
                updates.append((row_id, old, new))
        if dry_run or not updates:
            continue
        with db.session() as session:
            for row_id, old, new in updates:
                where: list[Any] = [id_col == row_id]
                where.extend(table.c[name] == value for name, value in old.items())
                done = session.execute(sa.update(table).where(*where).values(**new))
                if done.rowcount == 1:  # type: ignore[attr-defined]
                    result.rotated += len(new)
                else:
                    result.changed += len(new)
