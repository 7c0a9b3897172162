"""Issue 13, items 1 and 2: once a job is final nothing more is recorded for it, and an
interim or log index is never given twice.

Real worker processes: a fast publisher cancelled mid-stream (the killed worker's last
messages are still in the socket when the job is CANCELLED), and a program whose thread
keeps publishing after ``main`` has returned (the job is DONE by then).
"""

import sqlite3

from qiskit.providers import JobStatus

from support import wait_until

from .programs import upload

FAST = '''
def main(backend, user_messenger, n=10**7):
    for i in range(n):
        user_messenger.publish({"i": i})
        if i % 50 == 0:
            print("line", i)
'''

LEFT_RUNNING = '''
import os, threading, time

def main(backend, user_messenger, gate, n=14):
    def late():
        while not os.path.exists(gate):
            time.sleep(0.01)
        for i in range(n):
            user_messenger.publish({"late": i})
    threading.Thread(target=late, daemon=True).start()
    user_messenger.publish({"early": 0})
    return "returned"
'''

ANY = {"type": "object"}


def _store_file(service):
    return service.runtime_home.store.path


def test_cancelled_fast_publisher_gets_nothing_after_its_end(runtime):
    program = upload(runtime, FAST, name="faults-fast", schema=ANY)
    job = runtime.run(program, {}, options={"backend_name": "ibmq_qasm_simulator"})
    wait_until(lambda: len(job.interim_results_json()) >= 300, "the publisher to be under way")
    job.cancel()
    job.wait_for_final_state(180)
    assert job.status() is JobStatus.CANCELLED
    # another job through the same drain: frames the killed worker had still sent are handled by now
    runtime.run("hello-world", {"iterations": 1}).wait_for_final_state(180)
    finished = job.end_date.timestamp()
    for table in ("interim", "logs"):
        rows = _rows_at(_store_file(runtime), table, job.job_id())
        assert rows, f"no {table} rows: the publisher did not get under way"
        assert [idx for idx, _ in rows] == list(range(len(rows))), f"{table} indexes reused or missing"
        assert all(t <= finished for _, t in rows), f"{table} rows recorded after the job was final"


def test_thread_left_running_publishes_into_nothing(runtime, tmp_path):
    program = upload(runtime, LEFT_RUNNING, name="faults-left-running", schema=ANY)
    gate = tmp_path / "gate"
    scheduler = runtime.runtime_home.scheduler()
    job = runtime.run(program, {"gate": str(gate)}, options={"backend_name": "ibmq_qasm_simulator"})
    assert job.result() == "returned"
    before = scheduler.dropped
    gate.touch()  # only now, with the job DONE, does the thread publish its 14 results
    wait_until(lambda: scheduler.dropped - before >= 14, "the 14 late results to reach the drain")
    assert job.status() is JobStatus.DONE
    assert job.interim_results() == [{"early": 0}]


def _rows_at(path, table, job_id):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT idx, time FROM {table} WHERE job_id=? ORDER BY idx", (job_id,)).fetchall()
    finally:
        conn.close()
