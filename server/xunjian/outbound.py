"""Outbound HTTP to URLs that users chose (webhooks, Web Push endpoints): the one way out.

A URL's host is checked by what it *resolves to*, never by its text: ``2130706433``,
``0177.0.0.1``, ``127.1``, ``0x7f.0.0.1``, ``localhost.`` and any name whose DNS answer is a
private address all end up at the same loopback or LAN host. Every address a name resolves to
must be public (not private, loopback, link-local, reserved, multicast, unspecified or shared;
IPv4-mapped IPv6 is judged as the IPv4 address it carries).

The check runs twice: when the URL is registered (a clear 422 for the person typing it), and
again at every delivery, where the connection goes to the very address that passed the check
(a DNS answer that changes in between — rebinding — cannot redirect us into the LAN). Redirects
are never followed: a 3xx is the answer. TLS is still verified against the URL's host name.

``XUNJIAN_OUTBOUND_ALLOW_PRIVATE`` lifts the address rule (tests with receivers on 127.0.0.1,
closed intranets whose receivers are on the LAN); schemes and redirects stay as they are.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
MAX_RESPONSE_BYTES = 64 * 1024


class OutboundRefused(Exception):
    """The URL may not be called (bad scheme, no host, or a non-public address)."""


def private_allowed() -> bool:
    """The deployment's setting, for senders that run outside a request (periodic tasks)."""
    from .config import load_settings

    return load_settings().outbound_allow_private


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not (
        address.is_multicast
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_unspecified
    )


def _parts(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise OutboundRefused("bad port") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutboundRefused("only http(s)://host/… URLs")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


# Special-use names (RFC 6761, 6762, 8375) that only ever mean this machine or the LAN; refused
# even where the local resolver happens not to answer for them.
_LOCAL_NAMES = ("localhost", ".localhost", ".local", ".internal", ".home.arpa", ".lan")


def resolve(host: str, port: int, *, allow_private: bool) -> list[IPAddress]:
    """Every address ``host`` resolves to, each checked; refused if any is not public."""
    name = host.rstrip(".").lower()
    if not allow_private and (name == "localhost" or name.endswith(_LOCAL_NAMES)):
        raise OutboundRefused(f"{host!r} is a local name")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise OutboundRefused(f"cannot resolve {host!r}: {exc}") from None
    addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
    if not allow_private and not all(is_public(a) for a in addresses):
        raise OutboundRefused(f"{host!r} resolves to a non-public address")
    return addresses


def check_url(url: str, *, allow_private: bool) -> None:
    """At registration: the scheme, and (when the name resolves now) every address. A name that
    does not resolve yet is accepted: each delivery resolves and checks it again anyway."""
    scheme, host, port = _parts(url)
    if not allow_private and scheme != "https":
        raise OutboundRefused("https only")
    try:
        resolve(host, port, allow_private=allow_private)
    except OutboundRefused as exc:
        if "cannot resolve" not in str(exc):
            raise


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked address; Host header stays the URL's host."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """Connects to the checked address; SNI and certificate checks use the URL's host."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def post(
    url: str, body: bytes, headers: dict[str, str], timeout: float, *, allow_private: bool
) -> tuple[int, str]:
    """POST ``body``; returns (status, first bytes of the answer). Raises OutboundRefused, or
    OSError for network failures. Never follows a redirect."""
    scheme, host, port = _parts(url)
    if not allow_private and scheme != "https":
        raise OutboundRefused("https only")
    addresses = resolve(host, port, allow_private=allow_private)
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    last_error: OSError | None = None
    for address in addresses:
        kind = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
        connection = kind(host, port, str(address), timeout)
        try:
            connection.request("POST", target, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read(MAX_RESPONSE_BYTES).decode("utf-8", "replace")
            return int(response.status), text
        except ConnectionRefusedError as exc:  # try the name's next address
            last_error = exc
        finally:
            connection.close()
    raise last_error or OSError(f"no address for {host!r}")
