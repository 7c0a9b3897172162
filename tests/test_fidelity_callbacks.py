"""Issue 12, item 2: what a callback receives depends on the API it was given to.

The old ``IBMRuntimeService.run(callback=)`` and ``job.stream_results`` delivered interim
results only (one call per iteration); the primitives' ``run(callback=)`` of the newer API
delivers the interim results and then the final result. Real runtime, real workers.
"""

from __future__ import annotations

import threading

from qiskit.primitives import EstimatorResult, SamplerResult

from fidelity import svc  # noqa: F401 - the module's runtime
from qrt_jupyter import Estimator, Options, Sampler
from support import WAIT, bell, wait_until

COUNTDOWN = '''
import time

def main(backend, user_messenger, steps=3, pause=0.0):
    for step in range(steps):
        user_messenger.publish({"step": step})
        time.sleep(pause)
    return {"steps": steps}
'''


def settled(svc, job) -> None:
    """The job is final and every callback it caused has run (the service's delivery thread)."""
    job.wait_for_final_state(timeout=WAIT)
    svc._home.hub.flush()


def test_service_run_callback_gets_one_call_per_interim_result_only(svc):
    calls = []
    job = svc.run("hello-world", {"iterations": 4}, options={"backend_name": "ibmq_qasm_simulator"},
                  callback=lambda job_id, message: calls.append(message))
    assert job.result(timeout=WAIT) == "All done!"
    settled(svc, job)
    assert [message["iteration"] for message in calls] == [0, 1, 2, 3]


def test_stream_results_gets_interim_results_only(svc):
    program = svc.upload_program(COUNTDOWN, {"name": "countdown", "description": "Counts.",
                                             "max_execution_time": 60})
    job = svc.run(program, {"steps": 5, "pause": 0.05})
    calls = []
    job.stream_results(lambda job_id, message: calls.append(message))
    assert job.result(timeout=WAIT) == {"steps": 5}
    settled(svc, job)
    assert calls == [{"step": i} for i in range(5)]


def test_sampler_run_callback_gets_the_final_result(svc):
    calls = []
    sampler = Sampler(backend=svc.backend("ibmq_qasm_simulator"))
    job = sampler.run(bell(), callback=lambda job_id, message: calls.append((job_id, message)))
    result = job.result()
    wait_until(lambda: calls, "the callback to be called")
    settled(svc, job)
    job_id, final = calls[-1]
    assert job_id == job.job_id() and isinstance(final, SamplerResult)
    assert final.quasi_dists == result.quasi_dists
    assert len(calls) == 1  # the built-in sampler publishes no interim results


def test_estimator_callback_from_options_gets_the_final_result_once(svc):
    finished = threading.Event()
    calls = []

    def callback(job_id, message):
        calls.append(message)
        finished.set()

    options = Options()
    options.environment.callback = callback
    estimator = Estimator(backend=svc.backend("ibmq_qasm_simulator"), options=options)
    job = estimator.run(bell(measure=False), "ZZ")
    value = job.result().values[0]
    assert finished.wait(WAIT)
    settled(svc, job)
    assert len(calls) == 1 and isinstance(calls[0], EstimatorResult)
    assert calls[0].values[0] == value


def test_a_primitive_callback_attached_after_the_job_ended_still_gets_the_result(svc):
    """The final result reaches a late callback too: read from the store, not only from the
    end event (a fast job can end before the primitive attaches its callback)."""
    calls = []
    sampler = Sampler(backend=svc.backend("ibmq_qasm_simulator"))
    job = sampler.run(bell())
    job.result()
    job._attach(lambda job_id, message: calls.append(message), final_result=True)
    wait_until(lambda: calls, "the callback to be called")
    settled(svc, job)
    assert len(calls) == 1 and isinstance(calls[0], SamplerResult)
