"""Settings from the environment (``XUNJIAN_*``), validated once at start-up.

Every setting has one line in the README's configuration table. A bad or missing value stops
start-up with a :class:`SettingsError` that names the variable, so an operator never has to
guess which of twenty variables is wrong.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

ENV_PREFIX = "XUNJIAN_"
REPO_ROOT = Path(__file__).resolve().parents[2]


class SettingsError(ValueError):
    """A setting is missing or invalid; the message names the environment variable."""


def _parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("expected true/false")


def _positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError("must be a positive whole number")
    return value


def _non_negative_int(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise ValueError("must be 0 or a positive whole number")
    return value


def signing_key_problem(value: str) -> str | None:
    """Why ``value`` is not an Ed25519 seed as XUNJIAN_SIGNING_KEY takes it, or None.

    The format: standard base64 (with its ``=`` padding) of the 32 raw bytes of an Ed25519
    private key seed, i.e. 44 characters; make one with
    ``python3 -c "import base64, os; print(base64.b64encode(os.urandom(32)).decode())"``.
    """
    try:
        seed = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return "not valid base64 (expected 44 characters of standard base64)"
    if len(seed) != 32:
        return f"decodes to {len(seed)} bytes; an Ed25519 seed is 32 bytes (44 base64 characters)"
    return None


@dataclass(frozen=True)
class Settings:
    """The service's settings. Field names map to ``XUNJIAN_<NAME>``."""

    env: str = "development"
    data_dir: Path = REPO_ROOT / "var"
    database_url: str = ""
    secret_key: str = ""
    log_level: str = "INFO"
    log_json: bool = True
    # Object storage. An empty endpoint means "start the bundled SeaweedFS" (run command only).
    s3_endpoint: str = ""
    s3_bucket: str = "xunjian"
    s3_access_key: str = "xunjian"
    s3_secret_key: str = "xunjian-secret"
    s3_region: str = "us-east-1"
    presign_seconds: int = 300
    # Background work. An empty broker means tasks run in-process (the embedded default).
    celery_broker_url: str = ""
    # Requests and uploads.
    max_request_bytes: int = 30 * 1024 * 1024
    max_upload_bytes: int = 25 * 1024 * 1024
    max_image_pixels: int = 50_000_000
    page_size_default: int = 50
    page_size_max: int = 200
    # Authentication.
    token_ttl_hours: int = 24 * 14
    login_max_failures: int = 5
    login_lockout_minutes: int = 15
    login_rate_per_minute: int = 20
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto to believe (0: none).
    trusted_proxy_hops: int = 0
    # Outbound requests (webhooks, Web Push) may go to loopback/private/link-local addresses:
    # for tests and closed intranets only; otherwise they would be a way into the LAN (SSRF).
    outbound_allow_private: bool = False
    # Evidence signing key (Ed25519, base64 of the 32-byte seed); generated into data_dir in dev.
    signing_key: str = ""
    pwa_dir: Path = REPO_ROOT / "mobile_pwa"
    # Web Push (optional): all three or none. The public key is what the phone subscribes with
    # (base64url, uncompressed P-256 point); the private key base64url raw or PEM; the subject a
    # mailto: or https: contact the push services may use.
    vapid_public_key: str = ""
    vapid_private_key: str = ""
    vapid_subject: str = ""
    # /metrics: with a token, scrapes must send it (Bearer); without, only loopback is answered.
    metrics_token: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def is_testing(self) -> bool:
        return self.env == "test"

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **changes)


_PARSERS: dict[str, Callable[[str], Any]] = {
    "data_dir": lambda raw: Path(raw).expanduser().resolve(),
    "pwa_dir": lambda raw: Path(raw).expanduser().resolve(),
    "log_json": _parse_bool,
    "presign_seconds": _positive_int,
    "max_request_bytes": _positive_int,
    "max_upload_bytes": _positive_int,
    "max_image_pixels": _positive_int,
    "page_size_default": _positive_int,
    "page_size_max": _positive_int,
    "token_ttl_hours": _positive_int,
    "login_max_failures": _positive_int,
    "login_lockout_minutes": _positive_int,
    "login_rate_per_minute": _positive_int,
    "trusted_proxy_hops": _non_negative_int,
    "outbound_allow_private": _parse_bool,
}

_CHOICES = {
    "env": {"development", "production", "test"},
    "log_level": {"DEBUG", "INFO", "WARNING", "ERROR"},
}


def env_name(field_name: str) -> str:
    return ENV_PREFIX + field_name.upper()


def load_settings(environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Read settings from ``environ`` (default ``os.environ``), apply overrides, validate."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for f in fields(Settings):
        if f.name == "extra":
            continue
        raw = environ.get(env_name(f.name))
        if raw is None:
            continue
        parser = _PARSERS.get(f.name, str)
        try:
            values[f.name] = parser(raw)
        except ValueError as exc:
            raise SettingsError(f"{env_name(f.name)}={raw!r} is invalid: {exc}") from None
    values.update(overrides)
    settings = Settings(**values)
    return validate(settings)


def validate(settings: Settings) -> Settings:
    for name, allowed in _CHOICES.items():
        value = getattr(settings, name)
        if value not in allowed:
            raise SettingsError(
                f"{env_name(name)}={value!r} is invalid: choose one of {sorted(allowed)}"
            )
    if settings.page_size_default > settings.page_size_max:
        raise SettingsError(
            f"{env_name('page_size_default')} must not exceed {env_name('page_size_max')}"
        )
    if settings.max_upload_bytes > settings.max_request_bytes:
        raise SettingsError(
            f"{env_name('max_upload_bytes')} must not exceed {env_name('max_request_bytes')}"
        )
    changes: dict[str, Any] = {}
    if not settings.database_url:
        if settings.is_production:
            raise SettingsError(f"{env_name('database_url')} is required in production")
        changes["database_url"] = f"sqlite:///{settings.data_dir / 'xunjian.db'}"
    elif not settings.database_url.startswith(("sqlite:", "postgresql")):
        raise SettingsError(
            f"{env_name('database_url')} must be a sqlite:/// or postgresql+psycopg:// URL"
        )
    if not settings.secret_key:
        if settings.is_production:
            raise SettingsError(f"{env_name('secret_key')} is required in production")
        changes["secret_key"] = secrets.token_urlsafe(32)
    if settings.is_production and not settings.s3_endpoint:
        raise SettingsError(f"{env_name('s3_endpoint')} is required in production")
    vapid = (settings.vapid_public_key, settings.vapid_private_key, settings.vapid_subject)
    if any(vapid) and not all(vapid):
        raise SettingsError(
            f"Web Push needs all of {env_name('vapid_public_key')}, "
            f"{env_name('vapid_private_key')} and {env_name('vapid_subject')}, or none"
        )
    if settings.vapid_subject and not settings.vapid_subject.startswith(("mailto:", "https:")):
        raise SettingsError(f"{env_name('vapid_subject')} must be a mailto: or https: URL")
    if settings.is_production and not settings.signing_key:
        raise SettingsError(f"{env_name('signing_key')} is required in production")
    if settings.signing_key and (problem := signing_key_problem(settings.signing_key)):
        # Checked here, at start, not at the first upload (which would fail with a 500).
        raise SettingsError(f"{env_name('signing_key')} is invalid: {problem}")
    return replace(settings, **changes) if changes else settings
