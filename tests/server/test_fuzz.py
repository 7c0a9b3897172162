"""Property-based fuzzing from the server's own OpenAPI document (schemathesis, offline).

Requests that fit the schema and requests that do not (negative mode), with a
manager's token so that every handler runs past the role check: none may get
a 5xx, and every error must be the ``{"error": {"code", "message"}}`` shape.
Bounded: a few examples per operation, no shrinking, no example database.
"""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, Phase, settings  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402

EXAMPLES_PER_OPERATION = 12


def _schema():
    from qrt_jupyter.server.openapi import document

    schema = schemathesis.openapi.from_dict(document())  # what GET /openapi.json serves
    schema.config.generation.update(modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                                    max_examples=EXAMPLES_PER_OPERATION, no_shrink=True, database="none")
    return schema


schema = _schema()


def test_the_fuzzed_document_is_the_served_one(clients):
    from qrt_jupyter.server.openapi import document

    assert clients["none"].get("/openapi.json").json() == document()


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
          phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
def test_no_generated_request_gets_a_5xx(case, server, tokens):
    response = case.call(base_url=server.url, headers={"Authorization": f"Bearer {tokens['manager']}"}, timeout=60)
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text[:500]}"
    if response.status_code >= 400 and (case.method, case.path) == ("POST", "/identity/token"):
        body = response.json()
        assert "errorMessage" in body, (response.status_code, response.text[:300])  # IAM's shape: what IBM's client reads
    elif response.status_code >= 400:
        error = response.json()["error"]
        assert error["code"] == response.status_code and error["message"]
