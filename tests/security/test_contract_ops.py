"""The contract says what the server does, and operations work as documented (issue 16.10).

- Money is sent as strings ("5000.00") and the OpenAPI document says so (it said ``number``).
- Endpoints that need If-Match declare the header and their 412/428 answers.
- A 405 names the allowed methods (``Allow``).
- A malformed XUNJIAN_SIGNING_KEY stops the start (it used to start, then fail every upload).
- ``xunjian storage init`` (also run by ``xunjian migrate``) creates the bucket; ``/readyz``
  proves a write, not only that the bucket exists.
- The bundled SeaweedFS refuses anonymous requests on its filer and volume ports.
- ``xunjian verify`` works in the embedded default with no storage settings.
"""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from click.testing import CliRunner

from tests.conftest import TEST_ACCESS_KEY, TEST_SECRET_KEY
from tests.renovation.conftest import make_site, unit_id
from xunjian.app import create_app
from xunjian.cli import main
from xunjian.config import SettingsError, load_settings
from xunjian.seaweed import SeaweedProcess
from xunjian.storage import ObjectStore

OPENAPI = Path(__file__).resolve().parents[2] / "schemas" / "openapi.json"


def _spec() -> dict[str, Any]:
    return json.loads(OPENAPI.read_text())


def test_money_is_a_string_in_the_contract_and_on_the_wire(as_user, session, demo, clock) -> None:
    spec = _spec()["components"]["schemas"]
    for schema, field in [
        ("Renovation", "deposit_amount"),
        ("Settlement", "refund_amount"),
        ("Deduction", "amount"),
        ("DeductionIn", "amount"),
    ]:
        assert spec[schema]["properties"][field]["type"] == "string", (schema, field)
        assert spec[schema]["properties"][field]["format"] == "decimal"
    site = make_site(session, clock, demo.cuihu, unit_id(session, demo.cuihu, "B1", "202"))
    session.commit()
    body = as_user("fm1").get(f"/api/v1/renovation/renovations/{site.id}").get_json()
    assert body["deposit_amount"] == "5000.00"


def test_if_match_endpoints_declare_the_header_412_and_428(as_user, demo) -> None:
    spec = _spec()
    operation = spec["paths"]["/api/v1/evidence/{evidence_id}/review"]["post"]
    assert {"$ref": "#/components/parameters/IfMatch"} in operation["parameters"]
    assert {"412", "428"} <= set(operation["responses"])
    header = spec["components"]["parameters"]["IfMatch"]
    assert (header["in"], header["name"], header["required"]) == ("header", "If-Match", True)
    declared = {
        (path, method)
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if isinstance(op, dict) and "428" in op.get("responses", {})
    }
    # Every write that updates a versioned record, through a view or a helper of its module.
    assert ("/api/v1/properties/{property_id}", "patch") in declared
    assert ("/api/v1/workorders/{order_id}/accept", "post") in declared
    assert ("/api/v1/renovation/renovations/{renovation_id}/approve", "post") in declared
    assert not any(method == "get" for _, method in declared)
    # And the server does what the contract says.
    r = as_user("admin").patch(f"/api/v1/properties/{demo.cuihu}", json={"name_zh": "改名"})
    assert r.status_code == 428, r.get_json()


def test_405_names_the_allowed_methods(client) -> None:
    r = client.delete("/api/v1/evidence")
    assert r.status_code == 405
    assert {m.strip() for m in r.headers["Allow"].split(",")} >= {"GET", "POST"}
    assert r.get_json()["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    "key",
    [
        "not base64!",
        base64.b64encode(b"x" * 31).decode(),  # 31 bytes
        base64.b64encode(b"x" * 32).decode().rstrip("="),  # padding dropped
    ],
)
def test_malformed_signing_key_stops_the_start(tmp_path, key) -> None:
    with pytest.raises(SettingsError, match="XUNJIAN_SIGNING_KEY"):
        load_settings({"XUNJIAN_SIGNING_KEY": key, "XUNJIAN_DATA_DIR": str(tmp_path)})
    good = base64.b64encode(b"k" * 32).decode()
    assert load_settings({"XUNJIAN_SIGNING_KEY": good}).signing_key == good


def _s3_env(seaweed: SeaweedProcess, bucket: str, tmp_path: Path) -> dict[str, str]:
    return {
        "XUNJIAN_DATA_DIR": str(tmp_path),
        "XUNJIAN_S3_ENDPOINT": seaweed.endpoint,
        "XUNJIAN_S3_BUCKET": bucket,
        "XUNJIAN_S3_ACCESS_KEY": TEST_ACCESS_KEY,
        "XUNJIAN_S3_SECRET_KEY": TEST_SECRET_KEY,
    }


def _bucket_exists(seaweed: SeaweedProcess, bucket: str) -> bool:
    client = boto3.client(
        "s3",
        endpoint_url=seaweed.endpoint,
        aws_access_key_id=TEST_ACCESS_KEY,
        aws_secret_access_key=TEST_SECRET_KEY,
        region_name="us-east-1",
    )
    return bucket in {b["Name"] for b in client.list_buckets()["Buckets"]}


def test_storage_init_and_migrate_create_the_bucket(seaweed, tmp_path) -> None:
    runner = CliRunner()
    first, second = (f"init-{uuid.uuid4().hex[:10]}" for _ in range(2))
    r = runner.invoke(main, ["storage", "init"], env=_s3_env(seaweed, first, tmp_path))
    assert r.exit_code == 0, r.output
    assert _bucket_exists(seaweed, first)
    r = runner.invoke(main, ["migrate"], env=_s3_env(seaweed, second, tmp_path))
    assert r.exit_code == 0, r.output
    assert _bucket_exists(seaweed, second)


def test_readyz_proves_a_write(settings, sessions, tmp_path) -> None:
    """A reader's credentials see the bucket (HEAD works) but cannot store a photo."""
    config = tmp_path / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "admin",
                        "credentials": [{"accessKey": "readiness", "secretKey": "readiness"}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    },
                    {
                        "name": "reader",
                        "credentials": [{"accessKey": "reader", "secretKey": "reader-secret"}],
                        "actions": ["Read", "List"],
                    },
                ]
            }
        )
    )
    with SeaweedProcess(data_dir=tmp_path / "weed", extra_args=(f"-s3.config={config}",)) as weed:
        ObjectStore(weed.endpoint, "photos", "readiness", "readiness").ensure_bucket()
        reader = ObjectStore(weed.endpoint, "photos", "reader", "reader-secret")
        reader.ping()  # the old probe: passes
        app = create_app(settings, sessions=sessions, store_factory=lambda: reader)
        r = app.test_client().get("/readyz")
        assert r.status_code == 503, r.get_json()
        assert r.get_json()["checks"]["storage"].startswith("error")
        writer = ObjectStore(weed.endpoint, "photos", "readiness", "readiness")
        app = create_app(settings, sessions=sessions, store_factory=lambda: writer)
        assert app.test_client().get("/readyz").status_code == 200


def test_bundled_seaweedfs_refuses_anonymous_filer_and_volume_requests(seaweed) -> None:
    ports = seaweed.ports
    assert ports is not None
    filer = f"http://127.0.0.1:{ports.filer}"
    assert requests.get(f"{filer}/buckets/", timeout=5).status_code == 401
    assert requests.put(f"{filer}/buckets/x/evil.txt", data=b"x", timeout=5).status_code == 401
    volume = f"http://127.0.0.1:{ports.volume}"
    assert requests.post(f"{volume}/1,0123456789", data=b"x", timeout=5).status_code == 401


def test_verify_works_in_the_embedded_default(tmp_path) -> None:
    env = {"XUNJIAN_DATA_DIR": str(tmp_path)}  # no endpoint: the bundled SeaweedFS
    runner = CliRunner()
    assert runner.invoke(main, ["migrate"], env=env).exit_code == 0
    r = runner.invoke(main, ["storage", "init"], env=env)
    assert r.exit_code == 0, r.output
    r = runner.invoke(main, ["verify"], env=env)
    assert r.exit_code == 0, r.output
    assert "all evidence verified" in r.output
