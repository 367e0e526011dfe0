"""The deployment files agree with the topology CI runs (issue 17). There is no container
engine on these machines, so the Dockerfile and compose file are linted, not built: the
compose services are the cluster's members with the production settings, and every file a
container mounts or copies exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
INFRA = REPO / "infra"

pytestmark = pytest.mark.db_independent


def _compose() -> dict:
    return yaml.safe_load((INFRA / "compose.yaml").read_text(encoding="utf-8"))


def test_compose_runs_the_cluster_layout():
    services = _compose()["services"]
    assert {"postgres", "redis", "master", "filer", "s3", "nginx", "beat", "migrate"} <= set(
        services
    )
    assert len([s for s in services if s.startswith("volume")]) == 3
    assert len([s for s in services if s.startswith("app")]) == 2
    assert len([s for s in services if s.startswith("worker")]) == 2
    assert "-defaultReplication=001" in services["master"]["command"]
    assert "-config=" in services["s3"]["command"]  # S3 identities, never anonymous
    for name in ("app1", "app2", "worker1", "worker2", "beat", "migrate"):
        env = services[name]["environment"]
        assert env["XUNJIAN_ENV"] == "production"
        for key in ("XUNJIAN_SECRET_KEY", "XUNJIAN_SIGNING_KEY", "XUNJIAN_S3_SECRET_KEY"):
            assert env[key].startswith("${"), f"{name}: {key} must come from the environment"
        assert env["XUNJIAN_CELERY_BROKER_URL"].startswith("redis://")


def test_files_the_containers_mount_or_copy_exist():
    compose_dir = INFRA
    for service in _compose()["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                path = (compose_dir / source).resolve()
                # s3.json is made from its example before the first start (see the header).
                if path.name == "s3.json":
                    path = path.with_name("s3.example.json")
                assert path.exists(), volume
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    for source in re.findall(r"^COPY (\S+)", dockerfile, flags=re.M):
        assert (REPO / source).exists(), source
    assert re.search(r"^USER (?!root)", dockerfile, flags=re.M), "the app must not run as root"
    assert "HEALTHCHECK" in dockerfile
    assert "infra/gunicorn.conf.py" in dockerfile


def test_one_nginx_site_file_everywhere():
    site = "xunjian.conf"
    assert f"include /etc/nginx/{site};" in (INFRA / "nginx.conf").read_text()
    assert f"include /etc/nginx/{site};" in (INFRA / "nginx" / "compose.conf").read_text()
    cluster = (INFRA / "cluster" / "cluster.py").read_text()
    assert f'"nginx" / "{site}"' in cluster
    text = (INFRA / "nginx" / site).read_text()
    assert re.search(r"location ~ \^/\(api\|healthz\|readyz\|v\)", text), "/v/ must reach the app"
    assert "proxy_request_buffering on" in text
