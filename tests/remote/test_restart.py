"""A job's subscriber hears its end across a server restart (the stream reconnects with since=)."""

import threading
from urllib.parse import urlsplit

from qiskit.providers import JobStatus

from remote.conftest import start_server
from server.harness import ServerProcess
from support import WAIT, wait_until

HOLD = '''
import time

def main(backend, user_messenger, seconds=0, n=0):
    """Publishes n interim results, then holds its backend for a while."""
    for i in range(n):
        user_messenger.publish({"i": i})
    time.sleep(seconds)
    return "held"
'''


def test_a_subscriber_hears_the_end_of_a_job_queued_across_a_restart(tmp_path):
    from qrt_jupyter import RemoteRuntimeService

    server = start_server(tmp_path / "home", tmp_path / "logs")
    port = urlsplit(server.url).port
    try:
        service = RemoteRuntimeService(server.url, token=server.tokens["writer"])
        program = service.upload_program(HOLD, metadata={"name": "hold", "description": "holds",
                                                          "max_execution_time": 120})
        blocker = service.run(program, {"seconds": 60}, options={"backend_name": "fake_lima"})
        wait_until(lambda: blocker.status() is JobStatus.RUNNING, "blocker.status() is JobStatus.RUNNING")
        queued = service.run(program, {"n": 3}, options={"backend_name": "fake_lima"})
        events, done = [], threading.Event()

        def on_event(event):
            events.append(event)
            if event.kind == "status" and event.data in ("DONE", "ERROR", "CANCELLED"):
                done.set()

        unsubscribe = queued.subscribe(on_event)
        wait_until(lambda: any(e.kind == "status" and e.data == "QUEUED" for e in events), "any(e.kind == 'status' and e.data == 'QUEUED' for e in events)")
        server.stop()  # SIGTERM: the running blocker is settled, the queued job stays queued
        server = ServerProcess(tmp_path / "home", tmp_path / "logs", "--port", str(port))
        server.tokens = {}
        assert done.wait(WAIT)
        unsubscribe()
        assert events[-1].data == "DONE" and queued.result() == "held"
        interims = [e for e in events if e.kind == "interim"]
        assert [e.index for e in interims] == [0, 1, 2]  # none lost, none twice
        assert blocker.status() in (JobStatus.ERROR, JobStatus.CANCELLED)
        service.close()
    finally:
        server.stop()
