"""The `xunjian` command: migrate, storage init, create-admin, demo, import, openapi, verify,
backup, restore, serve."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

from .config import REPO_ROOT, Settings, SettingsError, env_name, load_settings
from .db import make_engine, make_sessionmaker, session_scope
from .errors import DomainError


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        raise click.ClickException(f"configuration error: {exc}") from None


def _sessions(settings: Settings) -> Any:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return make_sessionmaker(make_engine(settings.database_url))


@click.group()
def main() -> None:
    """Xunjian 巡检 — patrols, renovation enforcement, photo evidence, work orders."""


def _object_store(settings: Settings, endpoint: str | None = None) -> Any:
    from .storage import ObjectStore

    return ObjectStore(
        endpoint or settings.s3_endpoint,
        settings.s3_bucket,
        settings.s3_access_key,
        settings.s3_secret_key,
        settings.s3_region,
    )


def _bundled_seaweed(settings: Settings) -> Any:
    from .seaweed import SeaweedProcess

    return SeaweedProcess(
        data_dir=settings.data_dir / "seaweedfs",
        log_path=settings.data_dir / "seaweedfs.log",
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key,
    )


@contextmanager
def _store_for_command(settings: Settings) -> Iterator[Any]:
    """The configured store; in the embedded default (no endpoint) the bundled SeaweedFS of the
    data dir: the one `xunjian serve` runs, or, when it is not running, one started for the
    length of this command. So the commands need no extra settings there either."""
    if settings.s3_endpoint:
        yield _object_store(settings)
        return
    from .seaweed import running_endpoint

    endpoint = running_endpoint(settings.data_dir / "seaweedfs")
    if endpoint is not None:
        yield _object_store(settings, endpoint)
        return
    seaweed = _bundled_seaweed(settings)
    click.echo("starting the bundled SeaweedFS for this command …")
    try:
        yield _object_store(settings, seaweed.start())
    finally:
        seaweed.stop()


def _init_storage(store: Any) -> None:
    from .storage import StorageError, StorageUnavailable

    try:
        store.ensure_bucket()
        store.probe_write()
    except (StorageError, StorageUnavailable) as exc:
        raise click.ClickException(
            f"object storage is not usable (bucket {store.bucket!r} at "
            f"{store.endpoint_url or 'AWS S3'}): {exc}"
        ) from None
    click.echo(f"bucket {store.bucket!r} exists and accepts writes")


@main.command()
def migrate() -> None:
    """Bring the database schema to the newest revision and make sure the bucket exists."""
    from .migrations import migrate as run_migrations

    settings = _settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    run_migrations(settings.database_url)
    click.echo("database is at the newest revision")
    if settings.s3_endpoint:
        _init_storage(_object_store(settings))
    else:
        click.echo("bundled SeaweedFS: `xunjian serve` creates the bucket when it starts")


@main.group()
def storage() -> None:
    """Object storage."""


@storage.command("init")
def storage_init() -> None:
    """Create the bucket if it is missing and prove that it accepts writes (put + delete)."""
    settings = _settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with _store_for_command(settings) as store:
        _init_storage(store)


@main.command("create-admin")
@click.option("--username", required=True)
@click.option("--display-name", default="系统管理员")
@click.option("--company", default=None, help="company name (created if the database has none)")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_admin(username: str, display_name: str, company: str | None, password: str) -> None:
    """Create a company administrator (and the company, on an empty database)."""
    from .auth.models import User
    from .auth.passwords import hash_password
    from .org.models import Company

    settings = _settings()
    try:
        with session_scope(_sessions(settings)) as session:
            if session.scalar(select(User.id).where(User.username == username)):
                raise click.ClickException(f"the username {username!r} is already taken")
            row = session.scalar(
                select(Company).where(Company.name == company) if company else select(Company)
            )
            if row is None:
                row = Company(name=company or "物业服务有限公司")
                session.add(row)
                session.flush()
            session.add(
                User(
                    company_id=row.id,
                    username=username,
                    display_name=display_name,
                    password_hash=hash_password(password),
                    is_admin=True,
                )
            )
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"administrator {username!r} created for company {row.name!r}")


def _print_demo(result: Any) -> None:
    if result.history:
        made = ", ".join(f"{count} {kind}" for kind, count in result.history.items())
        click.echo(f"demo history loaded: {made}")
    if not result.created:
        click.echo("demo accounts already loaded (passwords were printed when first loaded)")
        return
    click.echo("demo data loaded. Accounts (shown once):")
    for username, name, roles in result.accounts:
        click.echo(f"  {username:<8} {result.password}   {name} — {roles}")


def _load_demo(settings: Settings, sessions: Any, store: Any, *, empty: bool, **kw: Any) -> Any:
    """The demo company; unless ``empty``, with its 30 days of history (photos go to
    ``store``, signed with the evidence key)."""
    from .demo import load_demo
    from .evidence.integrity import load_signer

    with session_scope(sessions) as session:
        if empty:
            return load_demo(session, **kw)
        return load_demo(session, history=True, store=store, signer=load_signer(settings), **kw)


@main.command()
@click.option("--password", default=None, help="password for every demo account")
@click.option("--empty", is_flag=True, help="structure and accounts only: no history")
@click.option("--seed", default=None, type=int, help="seed of the generated history")
def demo(password: str | None, empty: bool, seed: int | None) -> None:
    """Load the demo company: 2 properties, every role, and (unless --empty) checkpoints,
    routes and 30 days of patrols, renovation, requests and work orders. Idempotent."""
    import time

    from .demo import DEMO_PASSWORD, DEMO_SEED, history_loaded
    from .migrations import migrate as run_migrations

    settings = _settings()
    started = time.monotonic()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    run_migrations(settings.database_url)  # a no-op on a current database
    seaweed = None
    with session_scope(_sessions(settings)) as session:
        empty = empty or history_loaded(session)  # loaded already: no need for the store
    if not empty and not settings.s3_endpoint:
        # Photos need the object store: the bundled one, for as long as the load takes.
        seaweed = _bundled_seaweed(settings)
        os.environ[env_name("s3_endpoint")] = seaweed.start()
        settings = _settings()
    try:
        store = None
        if not empty:
            store = _object_store(settings)
            store.ensure_bucket()
        result = _load_demo(
            settings,
            _sessions(settings),
            store,
            empty=empty,
            password=password or DEMO_PASSWORD,
            seed=DEMO_SEED if seed is None else seed,
        )
    finally:
        if seaweed is not None:
            seaweed.stop()
    _print_demo(result)
    click.echo(f"done in {time.monotonic() - started:.1f} s")


@main.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--admin", "admin_username", required=True, help="the administrator doing the import")
def import_structure(path: Path, admin_username: str) -> None:
    """Import a property's structure from YAML/JSON (schemas/property_structure.schema.json)."""
    from .auth.accounts import build_actor
    from .auth.models import User
    from .org.importer import import_structure as run_import
    from .structured_files import validate_document

    settings = _settings()
    try:
        data = validate_document(
            path.read_text(encoding="utf-8"), path.name, "property_structure.schema.json"
        )
        with session_scope(_sessions(settings)) as session:
            admin = session.scalar(select(User).where(User.username == admin_username))
            if admin is None:
                raise click.ClickException(f"no user {admin_username!r}")
            summary = run_import(session, build_actor(session, admin), data)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(json.dumps(summary, ensure_ascii=False))


@main.command()
@click.option(
    "--output",
    type=click.Path(path_type=Path),
    default=REPO_ROOT / "schemas" / "openapi.json",
    show_default=True,
)
@click.option("--check", is_flag=True, help="Only compare: exit 1 when the file is stale.")
def openapi(output: Path, check: bool) -> None:
    """Write the OpenAPI document (schemas/openapi.json is generated by this)."""
    text = openapi_text() + "\n"
    if check:
        if not output.exists() or output.read_text(encoding="utf-8") != text:
            raise click.ClickException(f"{output} is stale: run `xunjian openapi`")
        click.echo(f"{output} is current")
        return
    output.write_text(text, encoding="utf-8")
    click.echo(f"wrote {output}")


def openapi_text() -> str:
    from .app import create_app

    settings = load_settings({}, env="test", database_url="sqlite://", log_json=False)
    app = create_app(settings)
    with app.app_context():
        spec = app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    return json.dumps(spec, ensure_ascii=False, indent=2, sort_keys=True)


@main.command()
def scheduler() -> None:
    """Fire the periodic jobs on their schedule, in this process (the embedded default).

    `xunjian serve` starts this when no Celery broker is configured; with a broker, run
    `celery -A xunjian.tasks beat` and workers instead.
    """
    import signal
    import time

    from .tasks import InProcessScheduler, configure_celery, use_sessions, use_store

    settings = _settings()
    if settings.celery_broker_url:
        raise click.ClickException(
            "a Celery broker is configured: run `celery -A xunjian.tasks beat`"
        )
    configure_celery("")
    use_sessions(_sessions(settings))
    store = None
    if settings.s3_endpoint:
        from .storage import ObjectStore

        store = ObjectStore(
            settings.s3_endpoint,
            settings.s3_bucket,
            settings.s3_access_key,
            settings.s3_secret_key,
            settings.s3_region,
        )
        use_store(lambda: store)
    stop = False

    def _stop(*_: Any) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    runner = InProcessScheduler()
    while not stop:
        runner.run_due(time.monotonic())
        for _ in range(int(runner.tick_seconds)):
            if stop:
                break
            time.sleep(1)


@main.command()
@click.option("--no-objects", is_flag=True, help="walk the chain only; do not re-hash originals")
def verify(no_objects: bool) -> None:
    """Re-hash stored originals and walk the evidence hash chain; report every mismatch."""
    from .evidence.integrity import load_signer, verify_all

    settings = _settings()
    signer = load_signer(settings)
    with contextlib.ExitStack() as stack:
        store = None if no_objects else stack.enter_context(_store_for_command(settings))
        with session_scope(_sessions(settings)) as session:
            report = verify_all(
                session, store, signer.public_key_b64, rehash_objects=not no_objects
            )
    click.echo(
        f"checked {report.checked_entries} chain entries "
        f"and {report.checked_objects} stored originals"
    )
    for problem in report.problems:
        click.echo(f"PROBLEM: {problem}")
    if not report.ok:
        raise SystemExit(1)
    click.echo("all evidence verified")


@main.command()
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
def backup(folder: Path) -> None:
    """Dump the database, then copy every stored object into FOLDER, with a manifest of hashes.

    Run it again into the same FOLDER to copy only new objects (docs/OPERATIONS.md)."""
    from .backup import BackupError
    from .backup import backup as run_backup

    settings = _settings()
    try:
        with _store_for_command(settings) as store:
            manifest = run_backup(settings, store, folder, progress=click.echo)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    head = manifest.chain_head or {}
    click.echo(
        f"backup in {folder}: {len(manifest.objects)} objects; "
        f"chain head {head.get('entry_hash', '-')} ({head.get('entries', 0)} entries)"
    )


@main.command()
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False, exists=True))
def restore(folder: Path) -> None:
    """Restore a backup FOLDER into an empty database and bucket, checking every hash first."""
    from .backup import BackupError
    from .backup import restore as run_restore

    settings = _settings()
    try:
        with _store_for_command(settings) as store:
            manifest = run_restore(folder, settings, store, progress=click.echo)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    head = manifest.chain_head or {}
    click.echo(
        f"restored {len(manifest.objects)} objects; chain head {head.get('entry_hash', '-')} "
        "— run `xunjian verify` to re-check every original"
    )


def _persistent_secret(settings: Settings, name: str, make: Any) -> str:
    path = settings.data_dir / name
    if not path.exists():
        path.write_text(make(), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="sync workers (= cores)")
@click.option("--demo/--no-demo", "with_demo", default=False, help="load the demo data if absent")
@click.option("--empty", is_flag=True, help="with --demo: structure and accounts only")
def serve(host: str, port: int, workers: int, with_demo: bool, empty: bool) -> None:
    """Run the service: bundled SeaweedFS (if no S3 endpoint), migrations, scheduler, gunicorn."""
    from .migrations import migrate as run_migrations

    settings = _settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    # Workers are separate processes that read settings from the environment: pin what the
    # master decided (secret, storage endpoint) there, so every worker agrees.
    os.environ.setdefault(
        env_name("secret_key"),
        _persistent_secret(settings, "secret_key", lambda: secrets.token_urlsafe(32)),
    )
    master_pid = os.getpid()
    seaweed = None
    scheduler = None
    if not settings.s3_endpoint:
        seaweed = _bundled_seaweed(settings)
        click.echo("starting the bundled SeaweedFS …")
        endpoint = seaweed.start()
        os.environ[env_name("s3_endpoint")] = endpoint
        click.echo(f"SeaweedFS S3 at {endpoint} (pid {seaweed.pid}, data in {seaweed.data_dir})")
    settings = _settings()
    try:
        run_migrations(settings.database_url)
        store = _object_store(settings)
        _init_storage(store)
        sessions = _sessions(settings)
        if with_demo:
            _print_demo(_load_demo(settings, sessions, store, empty=empty))
        if not settings.celery_broker_url:
            # Periodic jobs run in a process of their own: a scheduler thread in this process
            # would be alive when gunicorn forks its workers, and a fork taken while that
            # thread holds a lock (logging, the database) leaves the worker hung for good.
            scheduler = subprocess.Popen([sys.executable, "-m", "xunjian.cli", "scheduler"])
            click.echo(f"periodic jobs in-process (scheduler pid {scheduler.pid})")
        click.echo(f"Xunjian at http://{host}:{port}/  (API docs: http://{host}:{port}/api/docs)")
        _run_gunicorn(host, port, workers)
    finally:
        # gunicorn workers are forked from inside _run_gunicorn and unwind through here when
        # they exit: only the process that started the children may stop them.
        is_master = os.getpid() == master_pid
        if scheduler is not None and is_master:
            scheduler.terminate()
            try:
                scheduler.wait(timeout=5)
            except subprocess.TimeoutExpired:
                scheduler.kill()
        if seaweed is not None and is_master:
            click.echo("stopping SeaweedFS …")
            seaweed.stop()


def _run_gunicorn(host: str, port: int, workers: int) -> None:
    from gunicorn.app.base import BaseApplication

    class XunjianServer(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("worker_class", "sync")
            self.cfg.set("timeout", 60)
            self.cfg.set("accesslog", None)

        def load(self) -> Any:
            from .app import create_app

            return create_app()

    XunjianServer().run()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
