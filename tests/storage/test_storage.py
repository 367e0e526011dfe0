"""ObjectStore and SeaweedProcess against a real SeaweedFS."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import socket
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import boto3
import pytest
import requests

from xunjian.seaweed import GRPC_OFFSET, SeaweedProcess, SeaweedStartError, find_weed_binary
from xunjian.storage import (
    ChecksumMismatch,
    ObjectNotFound,
    ObjectStore,
    StorageError,
    StorageUnavailable,
    content_key,
)

# For the instances tests start themselves; the session one has its own keys.
ACCESS_KEY = "outage-test"
SECRET_KEY = "outage-test-secret"
# An outage must surface in seconds, not minutes; the bound is loose on purpose (slow CI),
# it only catches a retry/timeout configuration that would hang a worker.
OUTAGE_REPORTED_WITHIN_S = 15.0


def _photo(size: int = 300_000) -> tuple[bytes, str]:
    data = os.urandom(size)
    return data, hashlib.sha256(data).hexdigest()


def _raw_client(weed: SeaweedProcess) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=weed.endpoint,
        aws_access_key_id=weed.access_key,
        aws_secret_access_key=weed.secret_key,
        region_name="us-east-1",
    )


def _store(
    weed: SeaweedProcess, bucket: str, public_endpoint_url: str | None = None
) -> ObjectStore:
    assert weed.access_key and weed.secret_key
    return ObjectStore(
        weed.endpoint,
        bucket,
        weed.access_key,
        weed.secret_key,
        public_endpoint_url=public_endpoint_url,
    )


# -- objects -------------------------------------------------------------------------------


def test_put_head_get_round_trip(object_store: ObjectStore, seaweed: SeaweedProcess) -> None:
    data, digest = _photo()
    key = content_key(digest, "jpg")

    stored = object_store.put(
        key, data, content_type="image/jpeg", sha256_hex=digest, metadata={"uploader": "u-17"}
    )
    head = object_store.head(key)

    assert stored.sha256 == digest and stored.size == len(data)
    assert head == stored
    assert object_store.get(key) == data
    assert object_store.exists(key)
    raw = _raw_client(seaweed).head_object(Bucket=object_store.bucket, Key=key)
    assert raw["Metadata"] == {"sha256": digest, "uploader": "u-17"}


def test_put_computes_the_digest_when_not_given(object_store: ObjectStore) -> None:
    data, digest = _photo(1000)
    assert object_store.put("a/b.bin", data, content_type="application/octet-stream").sha256 == (
        digest
    )
    assert object_store.head("a/b.bin").sha256 == digest


def test_server_refuses_bytes_that_do_not_match_the_digest(object_store: ObjectStore) -> None:
    data, _ = _photo(1000)
    wrong = hashlib.sha256(b"something else").hexdigest()

    with pytest.raises(ChecksumMismatch):
        object_store.put("bad.jpg", data, content_type="image/jpeg", sha256_hex=wrong)

    assert not object_store.exists("bad.jpg")


def test_head_reads_the_s3_checksum_of_objects_written_by_other_tools(
    object_store: ObjectStore, seaweed: SeaweedProcess
) -> None:
    data, digest = _photo(1000)
    _raw_client(seaweed).put_object(
        Bucket=object_store.bucket,
        Key="foreign.jpg",
        Body=data,
        ChecksumSHA256=base64.b64encode(bytes.fromhex(digest)).decode(),
    )
    assert object_store.head("foreign.jpg").sha256 == digest


def test_iter_chunks_streams_the_object(object_store: ObjectStore) -> None:
    data, digest = _photo(200_000)
    object_store.put("big.jpg", data, content_type="image/jpeg", sha256_hex=digest)

    chunks = list(object_store.iter_chunks("big.jpg", chunk_size=65536))

    assert b"".join(chunks) == data
    assert max(len(c) for c in chunks) <= 65536 and len(chunks) >= 4


def test_missing_object(object_store: ObjectStore) -> None:
    with pytest.raises(ObjectNotFound):
        object_store.head("nope.jpg")
    with pytest.raises(ObjectNotFound):
        object_store.get("nope.jpg")
    with pytest.raises(ObjectNotFound):
        list(object_store.iter_chunks("nope.jpg"))
    assert not object_store.exists("nope.jpg")


def test_delete_is_idempotent(object_store: ObjectStore) -> None:
    object_store.put("d.jpg", b"x", content_type="image/jpeg")
    object_store.delete("d.jpg")
    object_store.delete("d.jpg")
    object_store.delete("never-existed.jpg")
    assert not object_store.exists("d.jpg")


def test_metadata_must_be_ascii(object_store: ObjectStore) -> None:
    with pytest.raises(ValueError, match="ASCII"):
        object_store.put("m.jpg", b"x", content_type="image/jpeg", metadata={"note": "东门"})


# -- presigned URLs ------------------------------------------------------------------------


def test_presigned_get_downloads_the_object(object_store: ObjectStore) -> None:
    data, digest = _photo()
    key = content_key(digest, "jpg")
    object_store.put(key, data, content_type="image/jpeg", sha256_hex=digest)

    url = object_store.presigned_get(key, filename="东门 消防通道.jpg", content_type="image/jpeg")
    response = requests.get(url, timeout=10)

    assert response.status_code == 200
    assert response.content == data
    assert response.headers["Content-Type"] == "image/jpeg"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline;")
    assert "filename*=UTF-8''" + quote("东门 消防通道.jpg", safe="") in disposition


def test_anonymous_and_badly_signed_requests_are_refused(object_store: ObjectStore) -> None:
    object_store.put("private.jpg", b"x", content_type="image/jpeg")
    url = object_store.presigned_get("private.jpg")

    tampered = url.replace("X-Amz-Signature=", "X-Amz-Signature=0")

    assert requests.get(url, timeout=10).status_code == 200
    assert requests.get(url.split("?")[0], timeout=10).status_code == 403
    assert requests.get(tampered, timeout=10).status_code == 403


def test_presigned_get_expires(object_store: ObjectStore) -> None:
    object_store.put("e.jpg", b"x", content_type="image/jpeg")
    url = object_store.presigned_get("e.jpg", expires_seconds=1)

    time.sleep(2)

    assert requests.get(url, timeout=10).status_code == 403


def test_presigned_url_is_signed_for_the_public_endpoint(seaweed: SeaweedProcess) -> None:
    # Phones reach the store through another address (e.g. a LAN IP or an nginx location);
    # the signature covers the host, so the URL must be made for that address.
    public = seaweed.endpoint.replace("127.0.0.1", "localhost")
    store = _store(seaweed, "presign-public", public_endpoint_url=public)
    store.ensure_bucket()
    store.put("p.jpg", b"pub", content_type="image/jpeg")

    url = store.presigned_get("p.jpg")

    assert url.startswith(public + "/")
    assert requests.get(url, timeout=10).content == b"pub"


# -- bucket and keys -----------------------------------------------------------------------


def test_ensure_bucket_is_idempotent_and_ping_checks_the_bucket(seaweed: SeaweedProcess) -> None:
    store = _store(seaweed, "idem-bucket")
    store.ensure_bucket()
    store.ensure_bucket()
    store.ping()

    missing = _store(seaweed, "no-such-bucket-here")
    with pytest.raises(StorageError) as err:
        missing.ping()
    assert not isinstance(err.value, StorageUnavailable)


def test_content_key_shape() -> None:
    digest = hashlib.sha256(b"photo").hexdigest()
    assert content_key(digest, "jpg") == f"originals/{digest[:2]}/{digest[2:4]}/{digest}.jpg"
    assert content_key(digest.upper(), ".JPG", prefix="thumbs") == (
        f"thumbs/{digest[:2]}/{digest[2:4]}/{digest}.jpg"
    )
    with pytest.raises(ValueError):
        content_key("abc", "jpg")
    with pytest.raises(ValueError):
        content_key(digest, "j/pg")


# -- outages -------------------------------------------------------------------------------


def test_unreachable_endpoint_is_unavailable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    store = ObjectStore(f"http://127.0.0.1:{closed_port}", "nowhere", ACCESS_KEY, SECRET_KEY)

    began = time.monotonic()
    with pytest.raises(StorageUnavailable):
        store.ping()
    assert time.monotonic() - began < OUTAGE_REPORTED_WITHIN_S


def test_outage_is_reported_quickly_and_recovery_needs_no_new_client(tmp_path: Path) -> None:
    weed = SeaweedProcess(tmp_path / "outage", access_key=ACCESS_KEY, secret_key=SECRET_KEY)
    with weed:
        endpoint, ports = weed.endpoint, weed.ports
        store = ObjectStore(endpoint, "outage", ACCESS_KEY, SECRET_KEY)
        store.ensure_bucket()
        store.put("before.jpg", b"before", content_type="image/jpeg")

        weed.stop()
        assert not weed.running
        for call in (
            lambda: store.put("during.jpg", b"during", content_type="image/jpeg"),
            store.ping,
        ):
            began = time.monotonic()
            with pytest.raises(StorageUnavailable):
                call()
            assert time.monotonic() - began < OUTAGE_REPORTED_WITHIN_S

        assert weed.start() == endpoint
        assert weed.ports == ports
        store.put("after.jpg", b"after", content_type="image/jpeg")
        assert store.get("before.jpg") == b"before"
        assert store.get("after.jpg") == b"after"


# -- the process ---------------------------------------------------------------------------


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_two_instances_run_side_by_side(seaweed: SeaweedProcess, tmp_path: Path) -> None:
    second = SeaweedProcess(tmp_path / "second", access_key=ACCESS_KEY, secret_key=SECRET_KEY)
    with second:
        assert seaweed.ports is not None and second.ports is not None
        first_ports = set(seaweed.ports.all_listeners())
        second_ports = set(second.ports.all_listeners())
        assert not first_ports & second_ports
        assert second.ports.admin + GRPC_OFFSET in second_ports
        assert all(_listening(p) for p in second_ports)

        mine = ObjectStore(second.endpoint, "side-by-side", ACCESS_KEY, SECRET_KEY)
        theirs = _store(seaweed, "side-by-side")
        for store in (mine, theirs):
            store.ensure_bucket()
        mine.put("only-here.jpg", b"1", content_type="image/jpeg")
        assert not theirs.exists("only-here.jpg")
        pid = second.pid

    assert not second.running
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # type: ignore[arg-type]


def test_stop_is_idempotent_and_start_failure_carries_the_log(tmp_path: Path) -> None:
    with socket.socket() as taken:
        for port in range(21000, 22000):
            if not (_listening(port) or _listening(port + GRPC_OFFSET)):
                with contextlib.suppress(OSError):
                    taken.bind(("127.0.0.1", port))
                    break
        taken.listen()
        weed = SeaweedProcess(data_dir=tmp_path / "clash", s3_port=taken.getsockname()[1])
        with pytest.raises(SeaweedStartError, match="not available"):
            weed.start(timeout=30)
    assert not weed.running
    weed.stop()
    weed.stop()


def test_find_weed_binary() -> None:
    path = find_weed_binary()
    assert os.access(path, os.X_OK)
