"""/metrics (issue 17): Prometheus text with request rate and latency per endpoint, upload
bytes, error codes, queue, chain and disk gauges — answered to loopback or a configured token
only."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from tests.evidence import photos
from tests.evidence.conftest import form_for


def _samples(text: str) -> dict[str, list]:
    found: dict[str, list] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append(sample)
    return found


def test_metrics_count_requests_uploads_errors_and_state(client, as_user, demo):
    fm = as_user("fm1")
    assert fm.get("/api/v1/evidence").status_code == 200
    data = photos.jpeg(320, 240)
    assert (
        fm.post(
            "/api/v1/evidence",
            data=form_for(data, demo.cuihu),
            content_type="multipart/form-data",
        ).status_code
        == 201
    )
    assert fm.get("/api/v1/workorders/999999999").status_code == 404

    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    samples = _samples(response.get_data(as_text=True))
    requests = samples["xunjian_http_requests_total"]
    assert any(
        s.labels == {"method": "GET", "endpoint": "/api/v1/evidence", "status": "200"}
        and s.value >= 1
        for s in requests
    )
    assert any(
        s.labels["endpoint"] == "/api/v1/workorders/<int:order_id>" or s.labels["status"] == "404"
        for s in requests
    )
    assert samples["xunjian_upload_bytes_total"][0].value >= len(data)
    assert any(s.labels["code"] == "not_found" for s in samples["xunjian_api_errors_total"])
    assert any(s.name.endswith("_bucket") for s in samples["xunjian_http_request_seconds_bucket"])
    assert samples["xunjian_data_dir_free_bytes"][0].value > 0
    assert samples["xunjian_evidence_chain_entries"][0].value >= 1


def test_metrics_are_not_public(app, client):
    outside = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert outside.status_code == 404

    app.extensions["xunjian"].settings = app.extensions["xunjian"].settings.with_overrides(
        metrics_token="s3cret-scrape"
    )
    assert client.get("/metrics").status_code == 404  # a token is now required, even locally
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 404
    right = client.get(
        "/metrics",
        headers={"Authorization": "Bearer s3cret-scrape"},
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    assert right.status_code == 200
