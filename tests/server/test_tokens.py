"""Tokens: the CLI, how they are stored, revocation on a running server, and that they never leak."""

from __future__ import annotations

import json
import os
import stat

import requests

from .harness import cli, create_token
from .streams import connect, read_all


def test_create_list_revoke_with_the_cli(tmp_path):
    home = tmp_path / "home"
    done = cli("token", "create", "alice", "--role", "writer", "--role", "reader", "--home", str(home))
    token = done.stdout.strip()
    assert done.stdout == token + "\n" and token.startswith("qrt_") and token not in done.stderr
    record_file = home / "tokens.json"
    assert stat.S_IMODE(os.stat(record_file).st_mode) == 0o600
    stored = record_file.read_text()
    secret = token.split("_", 2)[2]
    assert token not in stored and secret not in stored
    assert json.loads(stored)["tokens"][0]["roles"] == ["writer", "reader"]

    listing = cli("token", "list", "--home", str(home)).stdout
    assert "alice" in listing and "writer,reader" in listing and "never" in listing and token not in listing
    again = cli("token", "create", "alice", "--role", "reader", "--home", str(home), check=False)
    assert again.returncode == 2 and "revoke it first" in again.stderr and again.stdout == ""
    bad = cli("token", "create", "bob", "--role", "admin", "--home", str(home), check=False)
    assert bad.returncode == 2 and "admin" in bad.stderr
    cli("token", "revoke", "alice", "--home", str(home))
    assert "alice" not in cli("token", "list", "--home", str(home)).stdout
    missing = cli("token", "revoke", "alice", "--home", str(home), check=False)
    assert missing.returncode == 2 and "No token named 'alice'" in missing.stderr


def test_revoking_takes_effect_at_once_and_no_token_leaks(server, home, tokens, clients):
    """On the shared server (at debug log level; this module runs after the others, so its logs
    hold every request of the session): use routes with several tokens, revoke one; then no
    token's secret is in a response, the server's output, or any file of the home (the SQLite
    store included)."""
    temp = create_token(home, "temp", "reader")
    everyone = {**tokens, "temp": temp}
    bodies: list[str] = []
    job = clients["manager"].post("/jobs", json={"program_id": "hello-world", "params": {"iterations": 1}})
    bodies.append(job.text)
    job_id = job.json()["id"]
    frames, _, reason = read_all(connect(server, f"/stream/jobs/{job_id}", tokens["manager"]))
    bodies += [json.dumps(frames), reason]
    for name, token in everyone.items():
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {token}"
        for method, path in [("GET", "/jobs"), ("GET", f"/jobs/{job_id}"), ("GET", f"/jobs/{job_id}/results"),
                             ("GET", "/programs"), ("POST", "/programs"), ("GET", "/sessions"),
                             ("GET", "/jobs/nope"), ("DELETE", "/programs/hello-world")]:
            bodies.append(http.request(method, server.url + path, json={}, timeout=60).text)
        _, _, reason = read_all(connect(server, f"/stream/jobs/{job_id}", token))
        bodies.append(reason)
    bodies.append(requests.get(server.url + "/jobs", headers={"X-Access-Token": temp + "x"}, timeout=60).text)

    reader = requests.Session()
    reader.headers["Authorization"] = f"Bearer {temp}"
    assert reader.get(f"{server.url}/jobs", timeout=60).status_code == 200
    cli("token", "revoke", "temp", "--home", str(home))
    revoked = reader.get(f"{server.url}/jobs", timeout=60)
    assert revoked.status_code == 401
    bodies.append(revoked.text)
    assert clients["reader"].get("/jobs").status_code == 200

    output = server.output()
    logs, stdout = server.stderr_path.read_text(), server.stdout_path.read_text()
    assert "GET /jobs" in logs and "DEBUG" in logs  # the access and debug logs are there, on stderr
    assert stdout.startswith("qrt-runtime serving ") and "GET /" not in stdout
    files = [p for p in list(home.rglob("*")) + [server.stdout_path, server.stderr_path] if p.is_file()]
    assert any(p.name == "runtime.db" for p in files)
    for token in everyone.values():
        secret = token.split("_", 2)[2]
        for body in bodies:
            assert secret not in body
        assert secret not in output
        for path in files:
            assert secret.encode() not in path.read_bytes(), path


def test_log_lines_lose_tokens_and_credential_headers():
    from qrt_jupyter.server.logs import redact

    token = "qrt_0123456789ab_" + "s3cr3t-" * 6
    assert "s3cr3t" not in redact(f"got {token} here")
    assert redact(f"got {token}").startswith("got qrt_0123456789ab_[redacted]")
    for line in (f"> Authorization: Bearer {token}", "> authorization: apikey someone-elses-token",
                 "X-Access-Token: abc.def", "[(b'authorization', b'Bearer xyz')]"):
        clean = redact(line)
        assert "[redacted]" in clean and "s3cr3t" not in clean and "someone-elses" not in clean
        assert "abc.def" not in clean and "xyz" not in clean


def test_verification_in_process_concurrent_cached_and_revoked(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from qrt_jupyter.server.tokens import Principal, TokenFile

    issuer = TokenFile(tmp_path)
    token = issuer.create("carol", ["reader", "writer"])
    server = TokenFile(tmp_path)  # another process's view of the same file
    assert server.cached(token) is None
    with ThreadPoolExecutor(8) as pool:
        seen = set(pool.map(server.verify, [token] * 16))
    assert seen == {Principal("carol", ("writer", "reader"))}
    assert server.cached(token) == Principal("carol", ("writer", "reader"))
    token_id = token.split("_")[1]
    for wrong in (token[:-1] + ("A" if token[-1] != "A" else "B"), f"qrt_{token_id}_" + "x" * 43,
                  "qrt_nothex000000_" + "x" * 43, "", "Bearer " + token, token + "\n"):
        assert server.verify(wrong) is None, wrong
    issuer.revoke("carol")
    assert server.cached(token) is None and server.verify(token) is None
    again = issuer.create("carol", ["reader"])  # a new token under the old name
    assert server.verify(again) == Principal("carol", ("reader",)) and server.verify(token) is None
