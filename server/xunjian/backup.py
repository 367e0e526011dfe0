"""Backup and restore: the database plus every stored object, with a manifest of hashes.

Order matters for consistency without stopping the service: the database is dumped FIRST and
the objects copied AFTER. Ingest writes an object before the row that points at it, so every
row in the dump already has its object in the bucket when the copy runs; objects that arrive
later are extra, never missing. Originals are content-addressed (their key carries the
SHA-256), so a later backup into the same folder copies only what is new.

A restore refuses a target that already holds data (a restore is for an empty topology: a new
database and a new or empty bucket), checks every object against the manifest before it
writes anything, and reports the evidence chain head it restored so `xunjian verify` can be
compared with the source. PostgreSQL is dumped with `pg_dump --format=custom` and restored
with `pg_restore` (Debian's postgresql-client, the server's major version or newer); SQLite
with its online backup API. A dump restores into the same kind of database only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from .config import Settings
from .evidence.integrity import Signer, load_signer
from .storage import ObjectStore

MANIFEST = "manifest.json"
FORMAT = 1
CHUNK = 1 << 20


class BackupError(RuntimeError):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass
class Manifest:
    created_at: str
    database_kind: str
    database_file: str
    database_sha256: str
    chain_head: dict[str, Any] | None
    public_key: str = ""
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)
    format: int = FORMAT

    def write(self, folder: Path) -> None:
        (folder / MANIFEST).write_text(
            json.dumps(self.__dict__, ensure_ascii=False, indent=1, sort_keys=True),
            encoding="utf-8",
        )

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        try:
            data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BackupError(f"{folder} holds no {MANIFEST}: not a Xunjian backup") from None
        if data.get("format") != FORMAT:
            raise BackupError(f"backup format {data.get('format')} is not {FORMAT}")
        return cls(**data)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _libpq_url(database_url: str) -> str:
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def chain_head(database_url: str) -> dict[str, Any] | None:
    """The newest evidence chain entry: what a restored copy must end on."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("evidence_chain"):
                return None
            row = conn.execute(
                text("SELECT seq, entry_hash FROM evidence_chain ORDER BY seq DESC LIMIT 1")
            ).first()
            count = conn.execute(text("SELECT count(*) FROM evidence_chain")).scalar_one()
    finally:
        engine.dispose()
    return {"seq": row[0], "entry_hash": row[1], "entries": count} if row else None


def _dump_database(database_url: str, folder: Path) -> tuple[str, str]:
    kind = make_url(database_url).get_backend_name()
    if kind == "sqlite":
        source = make_url(database_url).database
        if not source or source == ":memory:":
            raise BackupError("an in-memory SQLite database cannot be backed up")
        target = folder / "database.sqlite3"
        target.unlink(missing_ok=True)
        _sqlite_copy(source, target)  # consistent while the service keeps writing (WAL)
        return kind, target.name
    if kind == "postgresql":
        target = folder / "database.dump"
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-acl",
              f"--file={target}", _libpq_url(database_url)])  # fmt: skip
        return kind, target.name
    raise BackupError(f"no backup method for {kind} databases")


def backup(
    settings: Settings,
    store: ObjectStore,
    folder: Path,
    progress: Callable[[str], None] = lambda _: None,
) -> Manifest:
    """Dump the database, then copy every object (skipping what the folder already holds)."""
    database_url = settings.database_url
    folder.mkdir(parents=True, exist_ok=True)
    previous: dict[str, dict[str, Any]] = {}
    if (folder / MANIFEST).exists():
        previous = Manifest.read(folder).objects
    kind, db_file = _dump_database(database_url, folder)
    progress(f"database dumped ({kind}) → {db_file}")
    manifest = Manifest(
        created_at=dt.datetime.now(dt.UTC).isoformat(),
        database_kind=kind,
        database_file=db_file,
        database_sha256=_sha256_file(folder / db_file),
        chain_head=chain_head(database_url),
        public_key=load_signer(settings).public_key_b64,
        secrets=_copy_generated_secrets(settings.data_dir, folder / "secrets"),
    )
    objects_dir = folder / "objects"
    copied = 0
    for key, size in store.list_objects():
        path = objects_dir / key
        known = previous.get(key)
        if known and known["size"] == size and path.exists() and path.stat().st_size == size:
            manifest.objects[key] = known
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        content_type = store.head(key).content_type or "application/octet-stream"
        digest = hashlib.sha256()
        with path.open("wb") as fh:
            for chunk in store.iter_chunks(key, CHUNK):
                digest.update(chunk)
                fh.write(chunk)
        manifest.objects[key] = {
            "size": size,
            "sha256": digest.hexdigest(),
            "content_type": content_type,
        }
        copied += 1
    progress(f"{copied} objects copied, {len(manifest.objects) - copied} already present")
    manifest.write(folder)
    return manifest


def _target_is_empty(database_url: str) -> bool:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            tables = inspect(conn).get_table_names()
            if "users" not in tables:
                return True
            return conn.execute(text("SELECT count(*) FROM users")).scalar_one() == 0
    finally:
        engine.dispose()


def restore(
    folder: Path,
    settings: Settings,
    store: ObjectStore,
    progress: Callable[[str], None] = lambda _: None,
) -> Manifest:
    """Into an empty database and bucket: check everything first, then write."""
    database_url = settings.database_url
    manifest = Manifest.read(folder)
    kind = make_url(database_url).get_backend_name()
    if kind != manifest.database_kind:
        raise BackupError(
            f"this backup holds a {manifest.database_kind} database; the target is {kind}"
        )
    if _sha256_file(folder / manifest.database_file) != manifest.database_sha256:
        raise BackupError(f"{manifest.database_file} does not match the manifest's hash")
    for key, meta in manifest.objects.items():
        path = folder / "objects" / key
        if not path.exists() or _sha256_file(path) != meta["sha256"]:
            raise BackupError(f"object {key} is missing or altered in the backup")
    progress(f"backup checked: database and {len(manifest.objects)} objects match the manifest")
    _check_signing_key(settings, folder, manifest)
    if not _target_is_empty(database_url):
        raise BackupError("the target database already holds data; restore needs an empty one")
    store.ensure_bucket()
    if next(store.list_objects(), None) is not None:
        raise BackupError(f"bucket {store.bucket} is not empty; restore needs an empty one")

    source = folder / manifest.database_file
    if kind == "sqlite":
        target = make_url(database_url).database
        if not target:
            raise BackupError("the SQLite target needs a file path")
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        _sqlite_copy(str(source), target)
    else:
        # --clean: a target that was only migrated (tables, no rows) is taken as empty too.
        _run(["pg_restore", "--no-owner", "--no-acl", "--exit-on-error", "--clean", "--if-exists",
              f"--dbname={_libpq_url(database_url)}", str(source)])  # fmt: skip
    progress("database restored")
    _copy_generated_secrets(folder / "secrets", settings.data_dir, names=manifest.secrets)
    for key, meta in manifest.objects.items():
        # One object in memory at a time (photos are at most XUNJIAN_MAX_UPLOAD_BYTES); `put`
        # has the store check the SHA-256 again on arrival.
        data = (folder / "objects" / key).read_bytes()
        store.put(key, data, content_type=meta["content_type"], sha256_hex=meta["sha256"])
    progress(f"{len(manifest.objects)} objects restored")
    head = chain_head(database_url)
    if head != manifest.chain_head:
        raise BackupError(f"restored chain head {head} differs from the backup's")
    return manifest


# Secrets the embedded default generates into its data dir. Without the signing key a restored
# copy could not verify a single signature, so a backup carries it (a backup is as sensitive
# as the database it holds). Configured keys (XUNJIAN_SIGNING_KEY, production) are the
# operator's to keep; the manifest's public key tells a restore whether it has the right one.
GENERATED_SECRETS = ("signing_key", "secret_key")


def _copy_generated_secrets(
    source: Path, target: Path, names: list[str] | tuple[str, ...] = GENERATED_SECRETS
) -> list[str]:
    copied = []
    for name in names:
        if (source / name).is_file():
            target.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / name, target / name)
            (target / name).chmod(0o600)
            copied.append(name)
    return copied


def _check_signing_key(settings: Settings, folder: Path, manifest: Manifest) -> None:
    if settings.signing_key:
        configured = Signer.from_seed_b64(settings.signing_key).public_key_b64
        if configured != manifest.public_key:
            raise BackupError(
                "the configured XUNJIAN_SIGNING_KEY is not the key this backup's evidence was "
                f"signed with (public key {manifest.public_key}): configure the source's key"
            )
        return
    existing = settings.data_dir / "signing_key"
    if "signing_key" not in manifest.secrets:
        raise BackupError(
            "this backup holds no signing key (the source had XUNJIAN_SIGNING_KEY configured): "
            f"set the same XUNJIAN_SIGNING_KEY here (public key {manifest.public_key})"
        )
    if (
        existing.exists()
        and existing.read_bytes() != (folder / "secrets" / "signing_key").read_bytes()
    ):
        raise BackupError(f"{existing} holds another signing key; restore into a new data dir")


def _sqlite_copy(source: str, target: str | Path) -> None:
    """SQLite's online backup into a single self-contained file (no -wal beside it)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
        src.close()


def _run(argv: list[str]) -> None:
    if shutil.which(argv[0]) is None:
        raise BackupError(f"{argv[0]} not found: install Debian's postgresql-client")
    result = subprocess.run(argv, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{argv[0]} failed: {result.stderr.strip()[-800:]}")
