"""Issue 13, item 3: a full disk. The home lives on a real 3 MB file system (tmpfs, mounted
here as root; skipped with the reason where it cannot be): a job publishing 5 MB of
interim results through a real worker ends ERROR "store full: ..." keeping what was
written, and run()/upload_program() then raise one clear client error, not a raw
sqlite3.OperationalError.
"""

import pytest
from qiskit.providers import JobStatus
from qiskit_ibm_runtime.exceptions import IBMError, RuntimeJobFailureError

from support import runtime_on

from .programs import upload
from .small_disk import fill, small_disk, sqlite_bytes  # noqa: F401 (the fixture)

BIG_PUBLISHER = '''
def main(backend, user_messenger, n=5000, pad=""):
    for i in range(n):
        user_messenger.publish({"i": i, "pad": "x" * 1000})
    return "all published"
'''


def test_a_full_disk_ends_the_job_saying_so_and_keeps_what_was_written(small_disk):  # noqa: F811
    with runtime_on(small_disk / "home") as service:
        program = upload(service, BIG_PUBLISHER, name="faults-big", schema={"type": "object"},
                         max_execution_time=600)
        job = service.run(program, {}, options={"backend_name": "ibmq_qasm_simulator"})
        job.wait_for_final_state(180)
        assert job.status() is JobStatus.ERROR
        assert job.reason == "store_full"
        assert job.error_message().startswith("store full: ")
        with pytest.raises(RuntimeJobFailureError, match="store full"):
            job.result()
        kept = job.interim_results_json()
        assert 0 < len(kept) < 5000
        assert [idx for idx, _ in kept] == list(range(len(kept)))  # what was written, in order

        fill(small_disk)
        # SQLite reuses room inside its own files: free pages of the store and, in the write-ahead
        # log, the frames of the batch the full disk rolled back (as big as that batch; some runs
        # it held over 1 MB, and a 1 MB row then fit and was accepted). A row bigger than both
        # files together can only go to the disk, which has no room left.
        pad = "x" * max(1_000_000, sqlite_bytes(small_disk / "home") + 65536)
        before = len(service.jobs(limit=None))
        with pytest.raises(IBMError) as ran:
            service.run(program, {"pad": pad}, options={"backend_name": "ibmq_qasm_simulator"})
        with pytest.raises(IBMError) as uploaded:
            upload(service, BIG_PUBLISHER + "#" + pad, name="faults-big-2", schema={"type": "object"})
        assert len(service.jobs(limit=None)) == before  # nothing half-written
        for info in (ran, uploaded):
            text = str(info.value)
            assert text.startswith("store full: ") and "\n" not in text, text
