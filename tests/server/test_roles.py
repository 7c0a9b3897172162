"""The role matrix: every route x every role (manager, writer, reader, no token, a bad token)."""

from __future__ import annotations

import itertools

import pytest

from support import wait_until

SLEEPER = "def main(backend, user_messenger, seconds=30):\n    import time\n    time.sleep(seconds)\n"
SOURCE = "def main(backend, user_messenger):\n    return 1\n"
_names = itertools.count()


class Fixtures:
    """Fresh things for a route to act on, made with the manager's token."""

    def __init__(self, manager):
        self.manager = manager
        self._done_job = None

    def program(self) -> str:
        body = {"name": f"p{next(_names)}", "data": SOURCE, "description": "d", "max_execution_time": 30}
        return self.manager.post("/programs", json=body).json()["id"]

    def done_job(self) -> str:
        if self._done_job is None:
            job_id = self.manager.post("/jobs", json={"program_id": "hello-world", "params": {"iterations": 1}}).json()["id"]
            wait_until(lambda: self.manager.get(f"/jobs/{job_id}").json()["status"] == "Completed", "self.manager.get(f'/jobs/{job_id}').json()['status'] == 'Completed'")
            self._done_job = job_id
        return self._done_job

    def fresh_done_job(self) -> str:
        self._done_job = None
        job = self.done_job()
        self._done_job = None
        return job

    def pending_job(self) -> str:
        return self.manager.post("/jobs", json={"program_id": "hello-world", "params": {"iterations": 1},
                                                "backend": "fake_armonk"}).json()["id"]

    def session(self) -> str:
        return self.manager.post("/sessions", json={}).json()["id"]


# (method, path template, action, what the {} is, body)
MATRIX = [
    ("GET", "/programs", "program.read", None, None),
    ("POST", "/programs", "program.create", "new-program-body", None),
    ("GET", "/programs/{}", "program.read", "program", None),
    ("PATCH", "/programs/{}", "program.update", "program", {"description": "changed"}),
    ("PUT", "/programs/{}/data", "program.update", "program", SOURCE),
    ("DELETE", "/programs/{}", "program.delete", "program", None),
    ("POST", "/jobs", "job.create", None, {"program_id": "hello-world", "params": {"iterations": 0}}),
    ("GET", "/jobs", "job.read", None, None),
    ("GET", "/jobs/{}", "job.read", "done_job", None),
    ("POST", "/jobs/{}/cancel", "job.delete", "pending_job", None),
    ("DELETE", "/jobs/{}", "job.delete", "fresh_done_job", None),
    ("GET", "/jobs/{}/results", "job.read", "done_job", None),
    ("GET", "/jobs/{}/interim_results", "job.read", "done_job", None),
    ("GET", "/jobs/{}/logs", "job.read", "done_job", None),
    ("GET", "/jobs/{}/metrics", "job.read", "done_job", None),
    ("GET", "/backends", "job.read", None, None),
    ("GET", "/backends/{}/status", "job.read", "backend", None),
    ("POST", "/sessions", "job.create", None, {"backend": "ibmq_qasm_simulator"}),
    ("GET", "/sessions", "job.read", None, None),
    ("GET", "/sessions/{}", "job.read", "session", None),
    ("DELETE", "/sessions/{}", "job.create", "session", None),
]
ROLE_ACTIONS = {
    "manager": {"program.create", "program.update", "program.delete", "program.read",
                "job.create", "job.delete", "job.read"},
    "writer": {"program.create", "program.update", "program.delete", "job.create", "job.delete"},
    "reader": {"program.read", "job.read"},
    "none": set(),
    "bad": set(),
}


@pytest.fixture(scope="module")
def things(clients):
    made = Fixtures(clients["manager"])
    yield made
    blocker = clients["manager"].get("/jobs", params={"pending": "true", "limit": 1000}).json()["jobs"]
    for job in blocker:
        clients["manager"].post(f"/jobs/{job['id']}/cancel")


@pytest.fixture(scope="module")
def armonk_busy(clients):
    """A long job on fake_armonk, so jobs queued behind it stay pending until cancelled."""
    manager = clients["manager"]
    program = manager.post("/programs", json={"name": "sleeper", "data": SLEEPER, "description": "sleeps",
                                              "max_execution_time": 120})
    program_id = program.json()["id"] if program.status_code == 201 else "sleeper"
    job_id = manager.post("/jobs", json={"program_id": program_id, "backend": "fake_armonk"}).json()["id"]
    yield job_id
    manager.post(f"/jobs/{job_id}/cancel")


@pytest.mark.parametrize("role", list(ROLE_ACTIONS))
@pytest.mark.parametrize("method, path, action, target, body", MATRIX,
                         ids=[f"{m} {p}" for m, p, *_ in MATRIX])
def test_role_matrix(clients, things, armonk_busy, role, method, path, action, target, body):
    allowed = action in ROLE_ACTIONS[role]
    if target == "new-program-body":
        body, url = {"name": f"p{next(_names)}", "data": SOURCE, "description": "d", "max_execution_time": 30}, path
    elif target == "backend":
        url = path.format("fake_manila")
    elif target is not None and not allowed and target.endswith("_job"):
        url = path.format(things.done_job())  # a refused request changes nothing: any real job will do
    elif target is not None:
        url = path.format(getattr(things, target)())
    else:
        url = path
    kwargs = {}
    if isinstance(body, dict):
        kwargs["json"] = body
    elif isinstance(body, str):
        kwargs["data"] = body.encode()
        kwargs["headers"] = {"Content-Type": "text/plain"}
    answer = getattr(clients[role], method.lower())(url, **kwargs)
    if role in ("none", "bad"):
        assert answer.status_code == 401, answer.text
    elif allowed:
        assert 200 <= answer.status_code < 300, answer.text
    else:
        assert answer.status_code == 403, answer.text
        message = answer.json()["error"]["message"]
        assert f"lacks the permission {action}" in message and f"roles: {role}" in message


def test_the_role_check_comes_before_the_body_is_read(clients):
    answer = clients["reader"].post("/jobs", data=b"{not json", headers={"Content-Type": "application/json"})
    assert answer.status_code == 403


@pytest.mark.parametrize("header", ["Authorization: apikey {}", "X-Access-Token: {}", "Authorization: bearer {}"])
def test_every_header_form_ibms_clients_send(server, tokens, header):
    import requests

    name, _, value = header.partition(": ")
    answer = requests.get(server.url + "/jobs", headers={name: value.format(tokens["reader"])}, timeout=30)
    assert answer.status_code == 200


def test_a_token_in_the_query_string_is_not_accepted(server, tokens):
    import requests

    answer = requests.get(server.url + "/jobs", params={"token": tokens["reader"]}, timeout=30)
    assert answer.status_code == 401
