"""The one object-storage module: S3 API through boto3 (SeaweedFS, AWS S3, MinIO, Ceph RGW).

Integrity. Every put() sends `x-amz-checksum-sha256` and also stores the hex digest as user
metadata `x-amz-meta-sha256`:

- SeaweedFS 4.48 (measured) verifies the header: a wrong digest is refused with 400 BadDigest
  and nothing is stored (its message wrongly says "Content-Md5"). It keeps the checksum and
  returns it on HEAD/GET only when the request asks with `x-amz-checksum-mode: ENABLED`.
- AWS S3 and MinIO document the same check (not measured here). A server that ignores the
  header (older Ceph RGW, other gateways) does not echo it in the PUT response; we log that
  once per store, and the metadata copy still lets `xunjian verify` re-hash originals.

Failures. Anything meaning "the store is not reachable or not healthy right now" (connection
refused, timeouts, dropped connections, 5xx, SlowDown) becomes StorageUnavailable, which the
web layer answers with 503 + Retry-After. Retries are few and timeouts short so an outage
surfaces in seconds rather than tying up a worker for minutes. See docs/STORAGE.md.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import re
import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    HTTPClientError,
    IncompleteReadError,
)

__all__ = [
    "ChecksumMismatch",
    "ObjectNotFound",
    "ObjectStore",
    "StorageError",
    "StorageUnavailable",
    "StoredObject",
    "content_key",
]

from .web.downloads import content_disposition

log = logging.getLogger(__name__)

SHA256_METADATA_KEY = "sha256"
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_EXTENSION = re.compile(r"[a-z0-9]{1,10}")
# Error codes S3-compatible servers use for transient, server-side trouble; some of them come
# with a 4xx status (RequestTimeout is 400), so the status alone is not enough.
_TRANSIENT_CODES = frozenset(
    {"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "Throttling"}
)
_NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound"})
_NO_BUCKET_CODES = frozenset({"NoSuchBucket"})
_PROBE_PREFIX = "readiness"


class StorageError(Exception):
    """A storage failure that retrying soon will not fix (config, permissions, bad request)."""


class StorageUnavailable(Exception):
    """The store is down, unreachable, overloaded or timing out: answer 503 + Retry-After."""

    def __init__(self, message: str, *, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ObjectNotFound(StorageError):
    def __init__(self, key: str) -> None:
        super().__init__(f"object not found: {key}")
        self.key = key


class ChecksumMismatch(StorageError):
    """The server received bytes whose SHA-256 differs from the one we sent (BadDigest)."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    sha256: str | None  # hex
    content_type: str | None
    etag: str | None


def content_key(sha256_hex: str, ext: str, prefix: str = "originals") -> str:
    """Content-addressed key; the two fan-out levels keep listings and prefixes small."""
    h = sha256_hex.lower()
    if not _SHA256_HEX.fullmatch(h):
        raise ValueError(f"not a hex SHA-256 digest: {sha256_hex!r}")
    e = ext.lower().lstrip(".")
    if not _EXTENSION.fullmatch(e):
        raise ValueError(f"bad file extension: {ext!r}")
    return f"{prefix.strip('/')}/{h[:2]}/{h[2:4]}/{h}.{e}"


class ObjectStore:
    def __init__(
        self,
        endpoint_url: str | None,
        bucket: str,
        access_key: str,
        secret_key: str,
        region: str = "us-east-1",
        *,
        connect_timeout: float = 2.0,
        read_timeout: float = 10.0,
        max_attempts: int = 2,
        public_endpoint_url: str | None = None,
        addressing_style: str | None = None,
        max_pool_connections: int = 10,
    ) -> None:
        """`endpoint_url=None` means AWS S3; an empty access key means boto3's default chain
        (environment, instance role). `public_endpoint_url` is the address browsers and
        phones reach the store at, when it differs from ours (presigned URLs sign the host).
        """
        if len(bucket) < 3:
            raise ValueError("bucket names need at least 3 characters")
        self.bucket = bucket
        self.endpoint_url = endpoint_url
        self.region = region
        self._server_verifies_checksum: bool | None = None
        # SeaweedFS and MinIO are addressed by path (no wildcard DNS); AWS wants virtual hosts.
        on_aws = endpoint_url is None or ".amazonaws.com" in endpoint_url
        style = addressing_style or ("virtual" if on_aws else "path")
        config = Config(
            signature_version="s3v4",
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retries={"total_max_attempts": max(1, max_attempts), "mode": "standard"},
            max_pool_connections=max_pool_connections,
            # We pass our own SHA-256; botocore would otherwise add a CRC32 of every body.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            # The body is covered by x-amz-checksum-sha256 already; signing it as well costs a
            # second full hash of every upload (half of boto3's CPU per PERFORMANCE_FACTS).
            s3={"addressing_style": style, "payload_signing_enabled": False},
        )
        session = boto3.session.Session(
            aws_access_key_id=access_key or None,
            aws_secret_access_key=secret_key or None,
            region_name=region,
        )
        self._client: Any = session.client("s3", endpoint_url=endpoint_url, config=config)
        self._presign_client: Any = (
            session.client("s3", endpoint_url=public_endpoint_url, config=config)
            if public_endpoint_url
            else self._client
        )

    def __repr__(self) -> str:
        return f"ObjectStore(endpoint_url={self.endpoint_url!r}, bucket={self.bucket!r})"

    # -- bucket -----------------------------------------------------------------------------

    def ping(self) -> None:
        """Readiness: one HEAD on the bucket. StorageUnavailable if the store is down."""
        with self._errors("ping"):
            self._client.head_bucket(Bucket=self.bucket)

    def probe_write(self) -> None:
        """Readiness that proves what uploads need: PUT a small object, then DELETE it.

        A HEAD on the bucket passes with read-only credentials, a full disk or a bucket policy
        that refuses writes; this does not. StorageUnavailable/StorageError as for any call.
        """
        key = f"{_PROBE_PREFIX}/{socket.gethostname()}-{os.getpid()}"
        self.put(key, b"ready", content_type="text/plain")
        self.delete(key)

    def ensure_bucket(self) -> None:
        with self._errors("ensure_bucket"):
            try:
                self._client.head_bucket(Bucket=self.bucket)
                return
            except ClientError as exc:
                if _code(exc) not in ("404", "NoSuchBucket", "NotFound"):
                    raise
            kwargs: dict[str, Any] = {"Bucket": self.bucket}
            if self.region != "us-east-1":
                kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
            try:
                self._client.create_bucket(**kwargs)
            except ClientError as exc:
                # Another worker created it between our HEAD and CREATE.
                if _code(exc) != "BucketAlreadyOwnedByYou":
                    raise

    # -- objects ----------------------------------------------------------------------------

    def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str,
        sha256_hex: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> StoredObject:
        """Store `data`; the server checks it against `sha256_hex` (computed if not given).

        ChecksumMismatch if the bytes do not hash to `sha256_hex`. Metadata must be ASCII
        (S3 sends it as HTTP headers); percent-encode anything else.
        """
        if sha256_hex is None:
            digest = hashlib.sha256(data).digest()
        else:
            if not _SHA256_HEX.fullmatch(sha256_hex.lower()):
                raise ValueError(f"not a hex SHA-256 digest: {sha256_hex!r}")
            digest = bytes.fromhex(sha256_hex)
        meta = {**(metadata or {}), SHA256_METADATA_KEY: digest.hex()}
        for k, v in meta.items():
            if not (k.isascii() and v.isascii()):
                raise ValueError(f"object metadata must be ASCII: {k!r}={v!r}")
        checksum_b64 = base64.b64encode(digest).decode("ascii")
        with self._errors("put", key):
            response = self._client.put_object(
                Bucket=self.bucket,
                Key=key,
                Body=data,
                ContentType=content_type,
                ChecksumSHA256=checksum_b64,
                Metadata=meta,
            )
        echoed = response.get("ChecksumSHA256")
        if echoed is not None and echoed != checksum_b64:
            raise ChecksumMismatch(f"server stored {key} with a different SHA-256")
        self._note_checksum_support(echoed is not None)
        return StoredObject(
            key=key,
            size=len(data),
            sha256=digest.hex(),
            content_type=content_type,
            etag=_etag(response.get("ETag")),
        )

    def head(self, key: str) -> StoredObject:
        with self._errors("head", key):
            response = self._client.head_object(Bucket=self.bucket, Key=key, ChecksumMode="ENABLED")
        return StoredObject(
            key=key,
            size=int(response.get("ContentLength", 0)),
            sha256=_sha256_from_head(response),
            content_type=response.get("ContentType"),
            etag=_etag(response.get("ETag")),
        )

    def exists(self, key: str) -> bool:
        try:
            self.head(key)
        except ObjectNotFound:
            return False
        return True

    def get(self, key: str) -> bytes:
        with self._errors("get", key):
            body = self._client.get_object(Bucket=self.bucket, Key=key)["Body"]
            try:
                data: bytes = body.read()
            finally:
                body.close()
        return data

    def iter_chunks(self, key: str, chunk_size: int = 65536) -> Iterator[bytes]:
        """Stream an object without holding it in memory (re-hashing originals in `verify`).

        Errors mid-stream are raised from the iteration, mapped like every other call.
        """
        with self._errors("get", key):
            body = self._client.get_object(Bucket=self.bucket, Key=key)["Body"]
        try:
            with self._errors("read", key):
                yield from body.iter_chunks(chunk_size)
        finally:
            body.close()

    def presigned_get(
        self,
        key: str,
        *,
        expires_seconds: int = 300,
        filename: str | None = None,
        content_type: str | None = None,
        attachment: bool = False,
    ) -> str:
        """A URL anyone can GET for `expires_seconds`; no request to the store is made.

        `filename` (any script, e.g. 现场照片.jpg) becomes the download name; the response is
        shown inline unless `attachment`.
        """
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": key}
        if filename is not None or attachment:
            params["ResponseContentDisposition"] = content_disposition(
                filename, attachment=attachment
            )
        if content_type is not None:
            params["ResponseContentType"] = content_type
        with self._errors("presign", key):
            url: str = self._presign_client.generate_presigned_url(
                "get_object", Params=params, ExpiresIn=int(expires_seconds)
            )
        return url

    def list_objects(self, prefix: str = "") -> Iterator[tuple[str, int]]:
        """Every (key, size) in the bucket, page by page (backups, audits)."""
        with self._errors("list"):
            paginator = self._client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    yield item["Key"], int(item["Size"])

    def delete(self, key: str) -> None:
        """Idempotent: S3 answers 204 whether or not the key existed."""
        with self._errors("delete", key):
            self._client.delete_object(Bucket=self.bucket, Key=key)

    # -- internals --------------------------------------------------------------------------

    def _note_checksum_support(self, verified: bool) -> None:
        if self._server_verifies_checksum is None:
            self._server_verifies_checksum = verified
            if not verified:
                log.warning(
                    "%s does not acknowledge x-amz-checksum-sha256: uploads are not verified "
                    "by the server; the digest is kept in x-amz-meta-sha256 for `verify`",
                    self.endpoint_url or "S3",
                )

    @contextmanager
    def _errors(self, op: str, key: str | None = None) -> Iterator[None]:
        try:
            yield
        except ClientError as exc:
            raise self._translate_client_error(exc, op, key) from exc
        except (ConnectionError, HTTPClientError, IncompleteReadError) as exc:
            # Connection refused/reset, connect or read timeout, connection closed mid-body.
            raise StorageUnavailable(
                f"object store {self.endpoint_url or 'S3'} unreachable during {op}: {exc}"
            ) from exc
        except BotoCoreError as exc:
            raise StorageError(f"object storage {op} failed: {exc}") from exc

    def _translate_client_error(self, exc: ClientError, op: str, key: str | None) -> Exception:
        code = _code(exc)
        status = _status(exc)
        where = f"{op} {self.bucket}/{key}" if key else f"{op} {self.bucket}"
        if code in _TRANSIENT_CODES or status >= 500:
            retry_after = _retry_after(exc)
            return StorageUnavailable(
                f"object store failed {where}: {code} (HTTP {status})", retry_after=retry_after
            )
        if code in _NO_BUCKET_CODES or (op in ("ping", "ensure_bucket") and status == 404):
            return StorageError(f"bucket {self.bucket!r} does not exist ({where})")
        if key is not None and (code in _NOT_FOUND_CODES or status == 404):
            return ObjectNotFound(key)
        if code in ("BadDigest", "XAmzContentSHA256Mismatch"):
            return ChecksumMismatch(f"SHA-256 of the bytes sent does not match ({where})")
        return StorageError(f"object store refused {where}: {code} (HTTP {status}): {exc}")


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _status(exc: ClientError) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)


def _retry_after(exc: ClientError, default: int = 5) -> int:
    headers = exc.response.get("ResponseMetadata", {}).get("HTTPHeaders", {})
    try:
        return max(1, int(headers.get("retry-after", default)))
    except (TypeError, ValueError):
        return default


def _etag(value: str | None) -> str | None:
    return value.strip('"') if value else None


def _sha256_from_head(response: Mapping[str, Any]) -> str | None:
    meta = response.get("Metadata") or {}
    hex_digest = meta.get(SHA256_METADATA_KEY)
    if hex_digest and _SHA256_HEX.fullmatch(hex_digest.lower()):
        return str(hex_digest).lower()
    # Objects written by other tools: a full-object checksum is the digest; a multipart
    # ("COMPOSITE", "...-N") one is a hash of part hashes and says nothing about the bytes.
    b64 = response.get("ChecksumSHA256")
    if b64 and "-" not in b64 and response.get("ChecksumType", "FULL_OBJECT") == "FULL_OBJECT":
        try:
            raw = base64.b64decode(b64, validate=True)
        except (binascii.Error, ValueError):
            return None
        if len(raw) == 32:
            return raw.hex()
    return None
