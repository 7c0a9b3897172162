"""The WebSockets: a job's ack, interim results in order, final result, close 1000; refusals; events."""

from __future__ import annotations

import json

from support import wait_until

from .streams import connect, read_all

CHATTY = '''
def main(backend, user_messenger, count):
    for i in range(count):
        user_messenger.publish({"i": i})
    return count
'''


def _submit(client, **body) -> str:
    answer = client.post("/jobs", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()["id"]


def test_a_job_stream_from_submission_to_the_end(server, clients, tokens):
    job_id = _submit(clients["author"], program_id="hello-world", params={"iterations": 3})
    frames, code, _ = read_all(connect(server, f"/stream/jobs/{job_id}", tokens["reader"]))
    assert code == 1000
    assert frames[0]["type"] == "ack" and frames[0]["job_id"] == job_id
    assert frames[0]["status"] in ("Queued", "Running")
    interim = [f for f in frames if f["type"] == "interim"]
    assert [f["index"] for f in interim] == [0, 1, 2]
    assert all(isinstance(f["data"], str) for f in interim)
    assert frames[-1] == {"type": "final", "status": "Completed", "result": '"All done!"', "error": None}
    statuses = [f["status"] for f in frames if f["type"] == "status"]
    assert statuses in ([], ["Running"])
    assert len(statuses) == len(set(statuses))


def test_a_late_attach_replays_from_the_store_and_since_skips(server, clients, tokens):
    job_id = _submit(clients["author"], program_id="hello-world", params={"iterations": 4})
    wait_until(lambda: clients["reader"].get(f"/jobs/{job_id}").json()["status"] == "Completed", "clients['reader'].get(f'/jobs/{job_id}').json()['status'] == 'Completed'")
    frames, code, _ = read_all(connect(server, f"/stream/jobs/{job_id}", tokens["reader"]))
    assert code == 1000 and frames[0]["status"] == "Completed"
    assert [f["index"] for f in frames if f["type"] == "interim"] == [0, 1, 2, 3]
    assert frames[-1]["type"] == "final"
    frames, _, _ = read_all(connect(server, f"/stream/jobs/{job_id}?since=2", tokens["reader"]))
    assert [f["index"] for f in frames if f["type"] == "interim"] == [2, 3]


def test_many_interim_results_arrive_in_order_none_twice(server, clients, tokens):
    """A program that publishes as fast as it can, watched from the start: every index once, in order."""
    author = clients["author"]
    created = author.post("/programs", json={"data": CHATTY, "name": "chatty", "description": "publishes",
                                              "max_execution_time": 120})
    program_id = created.json()["id"] if created.status_code == 201 else "chatty"
    ws = connect(server, "/stream/jobs/" + _submit(author, program_id=program_id, params={"count": 3000}),
                 tokens["reader"])
    frames, code, _ = read_all(ws)
    assert code == 1000
    assert [f["index"] for f in frames if f["type"] == "interim"] == list(range(3000))
    assert [json.loads(f["data"])["i"] for f in frames if f["type"] == "interim"][-1] == 2999
    assert frames[-1]["result"] == "3000"


def test_a_failed_and_a_cancelled_job_end_with_their_error(server, clients, tokens):
    author = clients["author"]
    failing = author.post("/programs", json={
        "data": "def main(backend, user_messenger):\n    raise ValueError('no luck')\n",
        "name": "failing", "description": "fails", "max_execution_time": 60})
    program_id = failing.json()["id"] if failing.status_code == 201 else "failing"
    job_id = _submit(author, program_id=program_id)
    frames, code, _ = read_all(connect(server, f"/stream/jobs/{job_id}", tokens["reader"]))
    assert code == 1000 and frames[-1]["status"] == "Failed" and "no luck" in frames[-1]["error"]
    assert frames[-1]["result"] is None

    job_id = _submit(author, program_id="hello-world", params={"iterations": 100})
    ws = connect(server, f"/stream/jobs/{job_id}", tokens["reader"])
    assert json.loads(ws.recv())["type"] == "ack"
    assert author.post(f"/jobs/{job_id}/cancel").status_code == 204
    frames, code, _ = read_all(ws)
    assert code == 1000 and frames[-1]["status"] == "Cancelled"


def test_refusals_close_with_4401_4403_4404(server, clients, tokens):
    job_id = _submit(clients["author"], program_id="hello-world", params={"iterations": 1})
    for token, expected in [(None, 4401), ("qrt_000000000000_" + "y" * 43, 4401), (tokens["writer"], 4403)]:
        frames, code, reason = read_all(connect(server, f"/stream/jobs/{job_id}", token))
        assert (frames, code) == ([], expected), reason
    frames, code, reason = read_all(connect(server, "/stream/jobs/nosuchjob", tokens["reader"]))
    assert code == 4404 and "unknown job" in reason
    frames, code, _ = read_all(connect(server, f"/stream/jobs/{job_id}?since=-1", tokens["reader"]))
    assert code == 4400
    _, code, reason = read_all(connect(server, "/stream/events", tokens["writer"]))
    assert code == 4403 and "job.read" in reason


def test_the_events_stream_reports_every_jobs_status(server, clients, tokens):
    ws = connect(server, "/stream/events", tokens["reader"])
    assert json.loads(ws.recv()) == {"type": "ack"}
    job_id = _submit(clients["author"], program_id="hello-world", params={"iterations": 1})
    seen = []
    while "Completed" not in seen:
        frame = json.loads(ws.recv())
        if frame["type"] == "status" and frame["job_id"] == job_id:
            seen.append(frame["status"])
        elif frame["type"] == "backends":
            assert isinstance(frame["pending"], dict)
    ws.close()
    assert seen[-1] == "Completed" and "Running" in seen


TALKER = '''
def main(backend, user_messenger, steps):
    for i in range(steps):
        print(f"step {i}", flush=True)
        user_messenger.publish({"step": i})
    return "done"
'''


def test_log_frames_and_interim_frames_each_come_in_order(server, clients, tokens):
    author = clients["author"]
    created = author.post("/programs", json={"data": TALKER, "name": "talker", "description": "prints",
                                              "max_execution_time": 60})
    program_id = created.json()["id"] if created.status_code == 201 else "talker"
    job_id = _submit(author, program_id=program_id, params={"steps": 20})
    frames, code, _ = read_all(connect(server, f"/stream/jobs/{job_id}", tokens["reader"]))
    assert code == 1000
    order = []
    for frame in frames:
        if frame["type"] == "log":
            order += [("log", int(line.split()[1])) for line in frame["data"].splitlines() if line.startswith("step")]
        elif frame["type"] == "interim":
            order.append(("interim", json.loads(frame["data"])["step"]))
    interims = [n for kind, n in order if kind == "interim"]
    assert interims == list(range(20))
    logged = [n for kind, n in order if kind == "log"]  # live only: a fast job may log before we attach
    assert logged == sorted(set(logged)) and set(logged) <= set(range(20))
    logs = author.get(f"/jobs/{job_id}/logs").text
    assert [line for line in logs.splitlines() if line.startswith("step")] == [f"step {i}" for i in range(20)]
