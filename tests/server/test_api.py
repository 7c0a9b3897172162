"""The REST routes against a real server: the old API's curl example, shapes, and bad input."""

from __future__ import annotations

import json
import subprocess
import time

import pytest

from support import wait_until

CURL = "/usr/bin/curl"

ADDER = '''
def main(backend, user_messenger, numbers):
    for n in numbers:
        user_messenger.publish({"n": n})
    return sum(numbers)
'''
ADDER_META = {"name": "adder", "description": "adds numbers", "max_execution_time": 60,
              "spec": {"parameters": {"type": "object", "properties": {"numbers": {"type": "array"}},
                                      "required": ["numbers"]}}}


def _final(client, job_id: str) -> dict:
    wait_until(lambda: client.get(f"/jobs/{job_id}").json()["status"] in ("Completed", "Failed", "Cancelled"), "client.get(f'/jobs/{job_id}').json()['status'] in ('Completed', 'Failed', 'Cancelled')")
    return client.get(f"/jobs/{job_id}").json()


def test_health_needs_no_token(clients):
    answer = clients["none"].get("/health")
    assert answer.status_code == 200 and answer.json()["status"] == "ok"


def test_the_old_api_curl_example(server, tokens):
    """The seeds' curl lines, with only the host and the token changed, through Debian's curl."""
    auth = f"Authorization: Bearer {tokens['author']}"
    body = json.dumps({"programId": "hello-world", "hub": "ibm-q", "group": "open", "project": "main",
                       "backend": "ibmq_qasm_simulator", "params": ['{"iterations": 2}']})
    out = subprocess.run([CURL, "-s", "-X", "POST", f"{server.url}/jobs", "-H", auth,
                          "-H", "Content-Type: application/json", "-d", body],
                         capture_output=True, text=True, check=True).stdout
    job_id = json.loads(out)["id"]

    def job() -> dict:
        return json.loads(subprocess.run([CURL, "-s", f"{server.url}/jobs/{job_id}", "-H", auth],
                                         capture_output=True, text=True, check=True).stdout)

    wait_until(lambda: job()["status"] == "Completed", "job()['status'] == 'Completed'")
    answer = job()
    assert answer["id"] == job_id and answer["backend"] == "ibmq_qasm_simulator"
    assert answer["program"] == {"id": "hello-world"} and answer["params"] == {"iterations": 2}
    assert answer["runtime"] == "" and answer["created"].endswith("Z")
    assert answer["state"] == {"status": "Completed", "reason": "done"}
    result = subprocess.run([CURL, "-s", f"{server.url}/jobs/{job_id}/results", "-H", auth],
                            capture_output=True, text=True, check=True).stdout
    assert json.loads(result) == "All done!"
    interim = subprocess.run([CURL, "-s", f"{server.url}/jobs/{job_id}/interim_results", "-H", auth],
                             capture_output=True, text=True, check=True).stdout
    assert len(json.loads(interim)["interim_results"]) == 2


def test_program_lifecycle_and_a_job_of_an_uploaded_program(clients):
    author = clients["author"]
    created = author.post("/programs", json={"data": ADDER, **ADDER_META})
    assert created.status_code == 201, created.text
    program_id = created.json()["id"]
    try:
        program = author.get(f"/programs/{program_id}").json()
        assert program["name"] == "adder" and program["data"] == ADDER and program["is_public"] is False
        assert author.post("/programs", json={"data": ADDER, **ADDER_META}).status_code == 409
        assert author.patch(f"/programs/{program_id}", json={"description": "sums"}).status_code == 204
        assert author.get(f"/programs/{program_id}").json()["description"] == "sums"
        listed = author.get("/programs").json()
        assert program_id in [p["id"] for p in listed["programs"]] and listed["count"] == len(listed["programs"])

        bad = author.post("/jobs", json={"program_id": program_id, "params": {"numbers": "three"}})
        assert bad.status_code == 400 and "numbers" in bad.json()["error"]["message"]
        missing = author.post("/jobs", json={"program_id": program_id, "params": {}})
        assert missing.status_code == 400 and "numbers" in missing.json()["error"]["message"]

        job = author.post("/jobs", json={"program_id": program_id, "params": {"numbers": [1, 2, 3]}}).json()
        assert _final(author, job["id"])["status"] == "Completed"
        assert author.get(f"/jobs/{job['id']}/results").json() == 6
        interim = author.get(f"/jobs/{job['id']}/interim_results").json()["interim_results"]
        assert [json.loads(t) for t in interim] == [{"n": 1}, {"n": 2}, {"n": 3}]

        new_source = ADDER.replace("sum(numbers)", "sum(numbers) * 10")
        put = author.put(f"/programs/{program_id}/data", data=new_source.encode(),
                         headers={"Content-Type": "text/plain"})
        assert put.status_code == 204
        job = author.post("/jobs", json={"program_id": program_id, "params": {"numbers": [1, 2]}}).json()
        _final(author, job["id"])
        assert author.get(f"/jobs/{job['id']}/results").json() == 30
    finally:
        assert author.delete(f"/programs/{program_id}").status_code == 204
    assert author.get(f"/programs/{program_id}").status_code == 404


def test_jobs_listing_filters_and_metrics(clients):
    author = clients["author"]
    job = author.post("/jobs", json={"program_id": "hello-world", "params": {"iterations": 1},
                                     "backend": "fake_manila", "log_level": "info"}).json()
    assert job["backend"] == "fake_manila"
    final = _final(author, job["id"])
    assert final["log_level"] == "INFO" and final["ended"] is not None and final["queue_position"] is None
    listed = author.get("/jobs", params={"backend": "fake_manila", "limit": 5}).json()
    assert job["id"] in [j["id"] for j in listed["jobs"]]
    assert listed["limit"] == 5 and listed["offset"] == 0 and listed["count"] == len(listed["jobs"])
    assert all(j["backend"] == "fake_manila" for j in listed["jobs"])
    assert job["id"] not in [j["id"] for j in author.get("/jobs", params={"pending": "true"}).json()["jobs"]]
    metrics = author.get(f"/jobs/{job['id']}/metrics").json()
    assert metrics["timestamps"]["finished"].endswith("Z")
    logs = author.get(f"/jobs/{job['id']}/logs")
    assert logs.status_code == 200 and logs.headers["content-type"].startswith("text/plain")


def test_cancel_and_delete(clients):
    author = clients["author"]
    job = author.post("/jobs", json={"program_id": "hello-world", "params": {"iterations": 50}}).json()
    assert author.post(f"/jobs/{job['id']}/cancel").status_code == 204
    assert _final(author, job["id"])["status"] == "Cancelled"
    again = author.post(f"/jobs/{job['id']}/cancel")
    assert again.status_code == 409 and "CANCELLED" in again.json()["error"]["message"]
    assert author.get(f"/jobs/{job['id']}/results").status_code == 409
    assert author.delete(f"/jobs/{job['id']}").status_code == 204
    assert author.get(f"/jobs/{job['id']}").status_code == 404


def test_results_of_an_unfinished_job_say_to_wait(clients):
    author = clients["author"]
    job = author.post("/jobs", json={"program_id": "hello-world", "params": {"iterations": 30}}).json()
    answer = author.get(f"/jobs/{job['id']}/results")
    assert answer.status_code == 409 and "wait" in answer.json()["error"]["message"]
    author.post(f"/jobs/{job['id']}/cancel")


def test_backends(clients):
    reader = clients["reader"]
    answer = reader.get("/backends").json()
    assert "ibmq_qasm_simulator" in answer["devices"] and "fake_manila" in answer["devices"]
    manila = next(b for b in answer["backends"] if b["name"] == "fake_manila")
    assert manila["num_qubits"] == 5 and manila["simulator"] is False and manila["operational"] is True
    status = reader.get("/backends/fake_manila/status").json()
    assert status["backend_name"] == "fake_manila" and status["state"] is True and "length_queue" in status


def test_sessions(clients):
    author = clients["author"]
    session_id = author.post("/sessions", json={"backend": "ibmq_qasm_simulator", "max_time": 600}).json()["id"]
    job = author.post("/jobs", json={"program_id": "hello-world", "params": {"iterations": 1},
                                     "session_id": session_id}).json()
    assert job["backend"] == "ibmq_qasm_simulator"
    details = author.get(f"/sessions/{session_id}").json()
    assert details["state"] == "open" and job["id"] in details["jobs"] and details["created"].endswith("Z")
    assert session_id in [s["id"] for s in author.get("/sessions").json()["sessions"]]
    assert author.delete(f"/sessions/{session_id}").status_code == 204
    closed = author.post("/jobs", json={"program_id": "hello-world", "session_id": session_id})
    assert closed.status_code == 409
    _final(author, job["id"])


@pytest.mark.parametrize("path, name, hint", [
    ("/programs/hello-wrld", "program", "hello-world"),
    ("/jobs/nosuchjob", "job", None),
    ("/backends/fake_manla/status", "backend", "fake_manila"),
    ("/sessions/nosuchsession", "session", None),
])
def test_unknown_names_are_404_with_did_you_mean(clients, path, name, hint):
    answer = clients["manager"].get(path)
    assert answer.status_code == 404
    message = answer.json()["error"]["message"]
    assert f"unknown {name}" in message  # the runtime's wording (qrt_jupyter.runtime.names)
    if hint:
        assert f"Did you mean '{hint}'" in message


def test_submitting_to_unknown_names_creates_nothing(clients):
    manager = clients["manager"]
    before = manager.get("/jobs", params={"limit": 1000}).json()["count"]
    for body, code in [
        ({"program_id": "hello-wrld"}, 404),
        ({"program_id": "hello-world", "backend": "fake_manla"}, 404),
        ({"program_id": "hello-world", "session_id": "nope"}, 404),
        ({"program_id": "hello-world", "params": {"iterations": "two"}}, 400),
        ({"program_id": "hello-world", "params": ["{not json"]}, 400),
        ({"program_id": "hello-world", "params": 3}, 400),
        ({"program_id": "hello-world", "colour": "red"}, 400),
        ({"params": {}}, 400),
        ({"program_id": "hello-world", "max_execution_time": -1}, 400),
        ({"program_id": "hello-world", "log_level": "LOUD"}, 400),
        ({"program_id": "sampler", "params": {"circuits": {"__type__": "QuantumCircuit", "__value__": "AAAA"}}},
         400),
    ]:
        answer = manager.post("/jobs", json=body)
        assert answer.status_code == code, (body, answer.text)
        error = answer.json()["error"]
        assert error["code"] == code and error["message"]
    assert manager.get("/jobs", params={"limit": 1000}).json()["count"] == before


def test_malformed_json_and_wrong_types(clients):
    manager = clients["manager"]
    for raw in (b"{", b"[1, 2]", b"\xff\xfe", b"null", b""):
        answer = manager.post("/jobs", data=raw, headers={"Content-Type": "application/json"})
        assert answer.status_code == 400, raw
        assert answer.json()["error"]["code"] == 400
    assert "malformed JSON" in manager.post("/jobs", data=b"{").json()["error"]["message"]
    assert manager.get("/jobs", params={"limit": "ten"}).status_code == 400
    assert manager.get("/jobs", params={"pending": "maybe"}).status_code == 400


def test_unknown_routes_and_methods_answer_json(clients):
    assert clients["manager"].get("/nope").json()["error"]["code"] == 404
    answer = clients["manager"].put("/jobs")
    assert answer.status_code == 405 and answer.json()["error"]["code"] == 405
    assert clients["manager"].get("/stream/events").status_code == 426


def test_body_over_the_limit_is_413(clients):
    big = b'{"program_id": "hello-world", "params": {"x": "' + b"a" * (17 * 1024 * 1024) + b'"}}'
    answer = clients["manager"].post("/jobs", data=big, headers={"Content-Type": "application/json"})
    assert answer.status_code == 413 and "--max-body-bytes" in answer.json()["error"]["message"]

    def chunks():  # no Content-Length: the limit is counted while the body streams in
        yield b'{"program_id": "hello-world", "params": {"x": "'
        for _ in range(17):
            yield b"a" * (1024 * 1024)
        yield b'"}}'

    answer = clients["manager"].post("/jobs", data=chunks(), headers={"Content-Type": "application/json"})
    assert answer.status_code == 413


def test_openapi_describes_every_route(server, clients):
    from starlette.routing import Route

    from starlette.routing import Mount

    from qrt_jupyter.server.ibm_api import ROUTES as IBM_ROUTES
    from qrt_jupyter.server.routes import ROUTES

    doc = clients["none"].get("/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    described = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    ibm = [r for r in IBM_ROUTES if isinstance(r, Route)]
    ibm += [Route(mount.path + r.path, r.endpoint, methods=r.methods) for mount in IBM_ROUTES
            if isinstance(mount, Mount) for r in mount.routes]
    ROUTES = ROUTES + ibm
    served = {(r.path, m.lower()) for r in ROUTES if isinstance(r, Route) for m in r.methods if m != "HEAD"}
    served |= {("/health", "get"), ("/openapi.json", "get")}
    assert served == described
    for route in ROUTES:
        if isinstance(route, Route) and getattr(route.endpoint, "action", None):
            for method in route.methods - {"HEAD"}:
                assert doc["paths"][route.path][method.lower()]["x-qrt-action"] == route.endpoint.action
