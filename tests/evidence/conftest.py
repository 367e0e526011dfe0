from __future__ import annotations

import datetime as dt
import io
import uuid
from typing import Any

import boto3
import pytest

from tests.conftest import TEST_ACCESS_KEY, TEST_SECRET_KEY


def form_for(data: bytes, property_id: int, **overrides: Any) -> dict[str, Any]:
    import hashlib

    form: dict[str, Any] = {
        "client_id": str(uuid.uuid4()),
        "sha256": hashlib.sha256(data).hexdigest(),
        "property_id": str(property_id),
        "context_type": "ad_hoc",
        "captured_at": "2026-11-23T09:29:00+08:00",
        "device_id": "phone-fm1",
        "latitude": "22.5431",
        "longitude": "113.9345",
        "accuracy_m": "12",
    }
    form.update({k: str(v) for k, v in overrides.items() if v is not None})
    for k in [k for k, v in overrides.items() if v is None]:
        form.pop(k, None)
    form["file"] = (io.BytesIO(data), "photo.jpg")
    return form


@pytest.fixture
def upload(as_user, demo):
    def send(data: bytes, username: str = "fm1", property_id: int | None = None, **fields: Any):
        form = form_for(data, property_id or demo.cuihu, **fields)
        return as_user(username).post(
            "/api/v1/evidence", data=form, content_type="multipart/form-data"
        )

    return send


@pytest.fixture
def bucket_keys(app_store):
    """Every key in the app's bucket (to prove a refused upload left nothing behind)."""

    def keys() -> set[str]:
        client = boto3.client(
            "s3",
            endpoint_url=app_store.endpoint_url,
            aws_access_key_id=TEST_ACCESS_KEY,
            aws_secret_access_key=TEST_SECRET_KEY,
            region_name="us-east-1",
        )
        found: set[str] = set()
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=app_store.bucket):
            found |= {o["Key"] for o in page.get("Contents", [])}
        return found

    return keys


T_CAPTURE = dt.datetime(2026, 11, 23, 1, 29, tzinfo=dt.UTC)
