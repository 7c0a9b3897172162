"""Issue 13: a job whose end the store cannot take even from its reserve.

A real worker finishes a job while the home's real 3 MB disk is full to the last page and
the store's reserve is used up: neither the result nor the small "store full" error fits.
The job must not stay RUNNING for good: the scheduler keeps the end and tries again, and
once there is room the job ends with its result, nothing lost.
"""

import os

from qiskit.providers import JobStatus

from qrt_jupyter.runtime.home import open_home
from qrt_jupyter.runtime.store import Store, StoreFull
from support import WAIT, runtime_on, wait_until

from .programs import upload
from .small_disk import fill, small_disk  # noqa: F401 (the fixture)

GATED_RESULT = '''
import os
import time

def main(backend, user_messenger, gate, size):
    while not os.path.exists(gate):
        time.sleep(0.01)
    return "r" * size
'''


def _gone_or_empty(path):
    try:
        return path.stat().st_size == 0
    except FileNotFoundError:
        return True


def _use_up_reused_room(home):
    """Writes that failed while the disk filled left room in SQLite's write-ahead log, which
    the next small write reuses: small writes of our own take it, until one finds none."""
    try:
        store = Store(home / "runtime.db")
    except StoreFull:
        return  # opening it (which writes the schema version) found no room already
    try:
        for i in range(100_000):
            store.insert_session(f"room-{i}", None, None)
    except StoreFull:
        pass
    finally:
        store.close()


def test_an_end_that_finds_no_room_is_recorded_once_there_is_room(small_disk, tmp_path):  # noqa: F811
    home, gate = small_disk / "home", tmp_path / "gate"
    with runtime_on(home) as service:
        program = upload(service, GATED_RESULT, name="faults-gated-result", schema={"type": "object"})
        job = service.run(program, {"gate": str(gate), "size": 300_000},
                          options={"backend_name": "ibmq_qasm_simulator"})
        wait_until(lambda: job.status() is JobStatus.RUNNING, "the job to start")
        reserve = home / "runtime.db-reserve"
        fill(small_disk)
        while not _gone_or_empty(reserve):  # the reserve used up (the heartbeat retakes it when it can)
            reserve.unlink(missing_ok=True)
            fill(small_disk, "filler-2")
        _use_up_reused_room(home)
        gate.touch()
        scheduler = open_home(home).scheduler()
        wait_until(lambda: job.job_id() in scheduler._unsettled, "the end to find no room")
        assert job.status() is JobStatus.RUNNING  # not recorded yet, and nothing else said instead

        for name in ("filler", "filler-2"):
            os.unlink(small_disk / name)
        job.wait_for_final_state(WAIT)
        assert job.status() is JobStatus.DONE
        assert job.result() == "r" * 300_000
        assert job.job_id() not in scheduler._unsettled
