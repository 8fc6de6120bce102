"""The application shell: health, OpenAPI, the error format, size limits, unexpected errors."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.web.support import API, World

SECRET = "IBAN NL91ABNA0417164300 of Jan"


def test_health_answers_without_authentication_and_names_the_database(
    client: TestClient, database_url: str
) -> None:
    for path in (f"{API}/health", "/health"):
        response = client.get(path)
        assert response.status_code == 200
        expected = "sqlite" if database_url.startswith("sqlite") else "postgresql"
        assert response.json() == {"status": "ok", "database": expected}


def test_the_openapi_spec_and_the_docs_are_served_without_authentication(
    client: TestClient,
) -> None:
    spec = client.get("/openapi.json")
    assert spec.status_code == 200
    assert spec.json()["info"]["title"] == "Klantenservice API"
    assert f"{API}/messages/inbound" in spec.json()["paths"]
    assert client.get("/docs").status_code == 200


def test_every_reference_in_the_openapi_spec_resolves(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]

    def refs(node: object) -> list[str]:
        if isinstance(node, dict):
            found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
            return found + [r for value in node.values() for r in refs(value)]
        if isinstance(node, list):
            return [r for value in node for r in refs(value)]
        return []

    every = refs(spec)
    assert every
    for ref in every:
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.removeprefix("#/components/schemas/") in schemas, ref


def test_the_intake_documents_its_body_and_idempotency_header(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"][f"{API}/messages/inbound"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert {"channel", "body"} <= set(body["required"])
    assert body["properties"]["contact"]["anyOf"][0]["$ref"].endswith("/ContactIn")
    assert [p["name"] for p in operation["parameters"]] == ["Idempotency-Key"]
    assert set(operation["responses"]) >= {"200", "201"}


def test_every_endpoint_except_health_login_sos_and_docs_requires_a_token_or_signature(
    client: TestClient,
) -> None:
    spec = client.get("/openapi.json").json()
    # the SOS report for the bank's app needs no sign-in (PSD2 art. 70(1)(c): at all times)
    open_paths = {f"{API}/health", f"{API}/auth/login", f"{API}/sos"}
    for path, operations in spec["paths"].items():
        for method in operations:
            concrete = path.replace("{case_id}", "1").replace("{customer_id}", "1")
            concrete = concrete.replace("{agent_id}", "1").replace("{name}", "office")
            response = client.request(method.upper(), concrete)
            if path in open_paths:
                assert response.status_code != 401, (method, path)
                continue
            if path.startswith("/webhooks/"):
                # provider-signed, not bearer: unsigned events 401, a bare handshake 400
                expected = 401 if method == "post" else 400
                assert response.status_code == expected, (method, path, response.text)
                continue
            assert response.status_code == 401, (method, path, response.text)
            assert response.json()["error"] == "unauthenticated"
            assert response.headers["WWW-Authenticate"] == "Bearer"


def test_an_unknown_token_is_refused_with_401(world: World) -> None:
    response = world.get("/cases", {"Authorization": "Bearer ks_not-a-real-token"})
    assert response.status_code == 401
    assert "log in again" in response.json()["message"]


def test_an_unknown_route_answers_404_in_the_error_format(world: World) -> None:
    response = world.get("/nothing-here", world.admin)
    assert response.status_code == 404
    assert response.json() == {
        "error": "not_found",
        "message": "no such endpoint; the API is described at /docs",
    }


def test_malformed_json_is_refused_with_400_and_stores_nothing(world: World) -> None:
    response = world.client.post(
        f"{API}/messages/inbound",
        content=b'{"channel": "email", "body": ',
        headers={**world.integration, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "malformed_json"
    assert "malformed JSON" in response.json()["message"]
    assert world.count_cases() == 0


def test_a_body_sent_without_a_json_content_type_is_refused_with_415(world: World) -> None:
    response = world.client.post(
        f"{API}/messages/inbound",
        content=b'{"channel": "email", "body": "Hoi"}',
        headers={**world.integration, "Content-Type": "text/plain"},
    )
    assert response.status_code == 415
    assert "Content-Type: application/json" in response.json()["message"]


def test_a_validation_error_names_the_field_and_the_allowed_values(world: World) -> None:
    response = world.post("/messages/inbound", world.integration, {"channel": "pigeon"})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid"
    assert "body.channel: Input should be 'chat', 'email'" in body["message"]
    assert "body.body: Field required" in body["message"]


def test_a_request_body_over_the_limit_is_refused_with_413_before_it_is_read(
    world: World,
) -> None:
    huge = b"x" * 2_100_000
    declared = world.client.post(
        f"{API}/messages/inbound",
        content=huge,
        headers={**world.integration, "Content-Type": "application/json"},
    )
    assert declared.status_code == 413
    assert declared.json()["error"] == "too_large"

    def chunks():  # no Content-Length: the body is counted while it streams in
        for _ in range(30):
            yield b"x" * 100_000

    streamed = world.client.post(
        f"{API}/messages/inbound",
        content=chunks(),
        headers={**world.integration, "Content-Type": "application/json"},
    )
    assert streamed.status_code == 413
    assert world.count_cases() == 0


def test_page_size_is_bounded_by_the_settings(world: World) -> None:
    too_big = world.get("/cases", world.admin, limit=201)
    assert too_big.status_code == 422
    assert too_big.json()["message"] == "limit must be between 1 and 200, got 201"
    too_small = world.get("/cases", world.admin, limit=0)
    assert too_small.status_code == 422
    assert "query.limit" in too_small.json()["message"]


def test_an_unexpected_error_answers_500_without_details_and_logs_no_message_text(
    app: FastAPI, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    def explode() -> None:
        raise RuntimeError(SECRET)

    app.add_api_route("/explode", explode)
    with caplog.at_level(logging.ERROR, logger="klantenservice.web"):
        response = client.get("/explode")
    assert response.status_code == 500
    assert response.json() == {
        "error": "internal",
        "message": "an unexpected error occurred; it has been logged",
    }
    assert "RuntimeError" in caplog.text
    assert "/explode" in caplog.text
    assert SECRET not in caplog.text
    assert SECRET not in response.text


def test_an_unexpected_desk_error_answers_the_bilingual_500_page_and_logs_no_message_text(
    app: FastAPI, client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    def explode() -> None:
        raise RuntimeError(SECRET)

    desk = next(r for r in app.routes if getattr(r, "path", None) == "/desk")
    desk.app.add_api_route("/explode", explode)  # type: ignore[attr-defined]
    with caplog.at_level(logging.ERROR, logger="klantenservice.web"):
        response = client.get("/desk/explode")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "Er ging iets mis" in response.text and "Something went wrong" in response.text
    assert "RuntimeError" in caplog.text
    assert SECRET not in caplog.text
    assert SECRET not in response.text
