"""Many clients at once: 20 threads, each with its own connection and token use, 10 jobs each."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests

from support import wait_until

CLIENTS = 20
JOBS_EACH = 10


def test_twenty_clients_ten_jobs_each_none_lost(server, tokens):
    def client(n: int) -> list[str]:
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {tokens['author']}"
        ids = []
        for k in range(JOBS_EACH):
            answer = http.post(f"{server.url}/jobs", timeout=120, json={
                "program_id": "hello-world", "params": {"iterations": 0}, "backend": "ibmq_qasm_simulator"})
            assert answer.status_code == 200, answer.text
            ids.append(answer.json()["id"])
            assert http.get(f"{server.url}/jobs/{ids[-1]}", timeout=120).status_code == 200
        return ids

    with ThreadPoolExecutor(CLIENTS) as pool:
        ids = [job_id for batch in pool.map(client, range(CLIENTS)) for job_id in batch]
    assert len(ids) == len(set(ids)) == CLIENTS * JOBS_EACH

    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {tokens['author']}"

    def statuses() -> dict[str, str]:
        listed = http.get(f"{server.url}/jobs", params={"limit": 1000}, timeout=120).json()["jobs"]
        return {j["id"]: j["status"] for j in listed if j["id"] in set(ids)}

    wait_until(lambda: list(statuses().values()).count("Completed") == len(ids), "list(statuses().values()).count('Completed') == len(ids)")
    for job_id in ids[:: JOBS_EACH]:
        assert http.get(f"{server.url}/jobs/{job_id}/results", timeout=120).json() == "All done!"
