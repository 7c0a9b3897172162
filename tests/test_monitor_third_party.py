"""Each private attribute the monitor reads, against the real third-party classes.

If qiskit, qiskit-aer or qiskit-ibm-runtime rename one of them, the test of
that reader fails here rather than a view going blank somewhere else.
"""

from __future__ import annotations

import pytest
from qiskit.primitives import StatevectorSampler

from qrt_jupyter.monitor import third_party
from support import bell


def test_primitive_job_future_and_primitive():
    sampler = StatevectorSampler(seed=1)
    job = sampler.run([bell()], shots=16)
    assert third_party.runs_on_a_future(job)
    future = third_party.future_of(job)
    assert future is not None and callable(future.running)
    assert third_party.primitive_of(job) is sampler
    job.result()
    assert future.done()


def test_backend_of_an_aer_job_and_of_aer_primitive_jobs():
    from qiskit_aer import AerSimulator
    from qiskit_aer.primitives import SamplerV2

    simulator = AerSimulator()
    aer_job = simulator.run(bell(), shots=8)
    assert third_party.backend_without_asking(aer_job) is simulator
    assert not third_party.runs_on_a_future(aer_job) or third_party.future_of(aer_job) is not None
    primitive_job = SamplerV2().run([bell()], shots=8)
    backend = third_party.backend_without_asking(primitive_job)
    assert backend is not None and backend.name == "aer_simulator"
    primitive_job.result()
    aer_job.result()


def test_backend_of_a_backend_sampler_job():
    from qiskit.primitives import BackendSamplerV2
    from qiskit_aer import AerSimulator

    simulator = AerSimulator()
    job = BackendSamplerV2(backend=simulator).run([bell()], shots=8)
    assert third_party.backend_without_asking(job) is simulator
    job.result()


def test_cached_facts_of_an_ibm_runtime_job():
    from qiskit_ibm_runtime import RuntimeJobV2
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    backend = FakeManilaV2()
    job = RuntimeJobV2(backend=backend, api_client=None, job_id="j-1", program_id="sampler",
                       service=None, session_id="s-1")
    facts = third_party.cached_ibm_job_facts(job)
    assert facts["program"] == "sampler" and facts["session_id"] == "s-1"
    assert set(facts) == {"program", "created", "session_id", "reason"}
    assert hasattr(job, "_creation_date") and hasattr(job, "_reason")
    assert third_party.backend_without_asking(job) is backend


@pytest.mark.parametrize("reader", [third_party.future_of, third_party.primitive_of,
                                    third_party.backend_without_asking])
def test_readers_give_none_for_objects_without_the_attribute(reader):
    assert reader(object()) is None
