"""Sampler, Estimator and Options on the local runtime, in the seeds' style and in V2 style.

Real service on a temporary home, real worker processes. Numbers are checked
against values known exactly (a Bell state's quasi-distribution and <ZZ>,
<Z> of Ry(t)|0> = cos t); sampled values get tolerances of many standard
errors, never a timing.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter
from qiskit.circuit.library import real_amplitudes
from qiskit.primitives import EstimatorResult, PrimitiveResult, SamplerResult
from qiskit.providers import JobStatus
from qiskit.quantum_info import SparsePauliOp, Statevector
from qiskit_ibm_runtime.exceptions import IBMInputValueError

from qrt_jupyter import Estimator, LocalRuntimeService, Options, RuntimeJob, Sampler, Session
from qrt_jupyter.runtime.programs import DEFAULT_SHOTS

SIMULATOR = "ibmq_qasm_simulator"


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """The default home of this module: ``LocalRuntimeService()`` lands here, never in ~/.qrt.

    One home for the module so its worker processes stay warm between tests;
    every test waits for its own jobs, so each starts with idle queues.
    """
    home = tmp_path_factory.mktemp("qrt")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("QRT_HOME", str(home))
        yield home
    LocalRuntimeService(home=home).close()  # stop this module's workers; the suite goes on


@pytest.fixture
def service(home):
    return LocalRuntimeService(home=home)


def make_bell(measure: bool = True) -> QuantumCircuit:
    circuit = QuantumCircuit(2, name="bell")
    circuit.h(0)
    circuit.cx(0, 1)
    if measure:
        circuit.measure_all()
    return circuit


def ry_circuit() -> tuple[QuantumCircuit, Parameter]:
    theta = Parameter("theta")
    circuit = QuantumCircuit(1, name="ry")
    circuit.ry(theta, 0)
    return circuit, theta


def assert_bell_quasi(quasi, tol=0.06):
    assert set(quasi) <= {0, 3}, quasi  # the ideal simulator never gives 01 or 10
    assert quasi.get(0, 0) == pytest.approx(0.5, abs=tol)
    assert quasi.get(3, 0) == pytest.approx(0.5, abs=tol)


# -- the seed sample ---------------------------------------------------------------------


def test_seed_sample_runs_unchanged(home, capsys):
    # What the seed's sample expects to exist before it runs:
    bell = make_bell()
    psi = real_amplitudes(num_qubits=2, reps=2)
    H1 = SparsePauliOp.from_list([("II", 1), ("IZ", 2), ("XI", 3)])
    theta = [0, 1, 1, 2, 3, 5]

    # ---- the seed's code, verbatim but for its import line ----
    from qrt_jupyter import LocalRuntimeService, Session, Sampler, Estimator, Options
    service = LocalRuntimeService()
    options = Options(optimization_level=3)
    with Session(service=service, backend="ibmq_qasm_simulator") as session:
        sampler = Sampler(session=session, options=options)
        job = sampler.run(circuits=bell)
        print(job.result().quasi_dists)
        estimator = Estimator(session=session, options=options)
        job = estimator.run(circuits=[psi], observables=[H1], parameter_values=[theta])
        print(job.result().values)
    # ---- end of the seed's code ----

    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("[{") and printed[1].startswith("[")

    sampler_job_id, estimator_job_id = session.details()["jobs"]
    sampler_job = service.job(sampler_job_id)
    assert sampler_job.program_id == "sampler"
    assert sampler_job.inputs["optimization_level"] == 3
    result = sampler_job.result()
    assert isinstance(result, SamplerResult)
    assert_bell_quasi(result.quasi_dists[0])

    assert job.job_id() == estimator_job_id and job.program_id == "estimator"
    result = job.result()
    assert isinstance(result, EstimatorResult)
    exact = Statevector(psi.assign_parameters(theta)).expectation_value(H1).real
    # 4000 shots; H1's coefficients 2 and 3 give a standard error below 0.06
    assert result.values[0] == pytest.approx(exact, abs=0.3)
    assert result.metadata[0]["variance"] > 0
    assert result.metadata[0]["shots"] == 4000

    assert session.details()["state"] == "closed"
    assert all(j.session_id == session.session_id for j in (sampler_job, job))


# -- the seeds' call style -------------------------------------------------------------


def test_sampler_seed_style_is_a_runtime_job_with_history(service):
    with Session(service=service, backend=SIMULATOR) as session:
        job = Sampler(session=session).run(make_bell(), shots=500)
        assert isinstance(job, RuntimeJob)
        result = job.result()
    assert job.status() is JobStatus.DONE
    assert job.backend().name == SIMULATOR
    assert job.inputs["shots"] == 500
    assert job.metrics()["timestamps"]["finished"] is not None
    assert service.jobs(limit=1, program_id="sampler")[0].job_id() == job.job_id()
    assert [j.job_id() for j in service.jobs(session_id=session.session_id)] == [job.job_id()]
    assert_bell_quasi(result.quasi_dists[0], tol=0.15)
    assert result.metadata[0]["shots"] == 500


def test_estimator_seed_style_exact_values(service):
    """<ZZ> of a Bell state is exactly 1 even when sampled; <Z> of Ry(t)|0> is cos t."""
    circuit, _ = ry_circuit()
    angles = [0.0, 0.7, 2.0]
    with Session(service=service, backend=SIMULATOR) as session:
        estimator = Estimator(session=session, options=Options(execution={"shots": 2000}))
        bell_job = estimator.run([make_bell(measure=False)], ["ZZ"])
        ry_job = estimator.run([circuit] * 3, [SparsePauliOp("Z")] * 3, [[a] for a in angles])
        # shots=None: the noiseless simulator gives exact values
        exact_job = estimator.run([circuit] * 3, ["Z"] * 3, [[a] for a in angles], shots=None)

        bell = bell_job.result()
        assert bell.values[0] == pytest.approx(1.0, abs=1e-12)
        assert bell.metadata[0]["variance"] == pytest.approx(0.0, abs=1e-12)

        sampled = ry_job.result()
        for value, angle in zip(sampled.values, angles):
            assert value == pytest.approx(math.cos(angle), abs=0.1)  # std error <= 0.023

        exact = exact_job.result()
        np.testing.assert_allclose(exact.values, np.cos(angles), atol=1e-9)
        np.testing.assert_allclose(
            [m["variance"] for m in exact.metadata], np.sin(angles) ** 2, atol=1e-9
        )


def test_sampler_parameter_values_and_shorthands(service):
    circuit, _ = ry_circuit()
    circuit.measure_all()
    sampler = Sampler(backend=SIMULATOR, options={"execution": {"shots": 100}})
    # one circuit, a flat list of values: the seeds' primitives accepted that too
    result = sampler.run(circuit, [math.pi]).result()
    assert result.quasi_dists[0] == {1: 1.0}
    result = sampler.run([circuit, circuit], parameter_values=np.array([[0.0], [math.pi]])).result()
    assert [dict(q) for q in result.quasi_dists] == [{0: 1.0}, {1: 1.0}]


def test_callback_streams_to_the_seed_signature(home):
    """``Sampler(backend).run(circuit, callback=f)``: f(job_id, message) as in the seeds."""
    messages = []
    sampler = Sampler(SIMULATOR)
    job = sampler.run(make_bell(), callback=lambda job_id, message: messages.append((job_id, message)))
    result = job.result()
    while not messages:  # delivered on the service's dispatcher thread
        time.sleep(0.02)
    job_id, final = messages[-1]
    assert job_id == job.job_id()
    assert isinstance(final, SamplerResult)
    assert final.quasi_dists == result.quasi_dists


def test_primitive_inside_with_session_joins_it(service):
    with Session(service=service, backend=SIMULATOR) as session:
        job = Sampler().run(make_bell(), shots=50)
        assert job.session_id == session.session_id
        job.result()
    assert Sampler(options={"execution": {"shots": 50}}).session is None


# -- V2 style --------------------------------------------------------------------------


def test_sampler_v2_style_with_mode_session(service):
    with Session(service=service, backend=SIMULATOR) as session:
        sampler = Sampler(mode=session)
        job = sampler.run([make_bell()], shots=300)
        result = job.result()
    assert job.session_id == session.session_id
    assert isinstance(result, PrimitiveResult)
    counts = result[0].data.meas.get_counts()
    assert set(counts) <= {"00", "11"}
    assert sum(counts.values()) == 300


def test_estimator_v2_style_with_mode_backend(home):
    circuit, theta = ry_circuit()
    estimator = Estimator(mode=SIMULATOR)
    job = estimator.run([(make_bell(measure=False), "ZZ"), (circuit, "Z", [[0.0], [0.7], [2.0]])])
    result = job.result()
    assert isinstance(result, PrimitiveResult)
    assert float(result[0].data.evs) == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(result[1].data.evs, np.cos([0.0, 0.7, 2.0]), atol=0.1)


def test_keywords_settle_the_style(service):
    """``pubs=`` is V2 even on a seeds'-style primitive, ``circuits=`` the reverse."""
    with Session(service=service, backend=SIMULATOR) as session:
        assert isinstance(Sampler(session).run(pubs=[make_bell()], shots=20).result(), PrimitiveResult)
        seed = Sampler(mode=session).run(circuits=make_bell(), shots=20).result()
        assert isinstance(seed, SamplerResult)
        # tuples can only be pubs
        assert isinstance(Sampler(session).run([(make_bell(),)], shots=20).result(), PrimitiveResult)


# -- options ---------------------------------------------------------------------------


def test_options_nested_and_dict_forms():
    options = Options(optimization_level=3, execution={"shots": 2000})
    assert options.execution.shots == 2000
    options.execution.shots = 100
    options.transpilation.skip_transpilation = True
    options.max_execution_time = 60
    assert options.execution.shots == 100
    with pytest.raises(AttributeError):
        options.execution.shot = 5  # a typo is an error, not a silently ignored option
    with pytest.raises(TypeError):
        Options(execution={"shot": 5})
    with pytest.raises(AttributeError):
        options.optimisation_level = 1


def test_options_reach_the_job(service):
    options = Options(optimization_level=0, max_execution_time=120)
    options.execution.shots = 64
    options.transpilation.skip_transpilation = True
    sampler = Sampler(backend=SIMULATOR, options=options)
    options.execution.shots = 1  # the sampler took a copy
    bell = make_bell()
    job = sampler.run(bell)
    assert job.inputs["shots"] == 64
    assert job.inputs["optimization_level"] == 0
    assert job.inputs["skip_transpilation"] is True
    assert job.inputs["resilience_level"] == 0  # the ideal simulator needs no mitigation
    assert job.max_execution_time == 120
    job.result()
    # a keyword of run() overrides for one job only
    job = sampler.run(bell, shots=32, optimization_level=1)
    assert (job.inputs["shots"], job.inputs["optimization_level"]) == (32, 1)
    assert sampler.options.execution.shots == 64
    job.result()
    # shots=None leaves the number to the program (its default, DEFAULT_SHOTS)
    job = Sampler(backend=SIMULATOR, options={"execution": {"shots": None}}).run(bell)
    assert "shots" not in job.inputs
    assert job.result().metadata[0]["shots"] == DEFAULT_SHOTS


def test_bad_inputs_are_refused_before_anything_is_queued(service):
    before = [j.job_id() for j in service.jobs(limit=None)]
    circuit, _ = ry_circuit()
    sampler = Sampler(backend=SIMULATOR)
    estimator = Estimator(backend=SIMULATOR)
    with pytest.raises(IBMInputValueError, match="optimization_level"):
        sampler.run(make_bell(), optimization_level=7)
    with pytest.raises(IBMInputValueError, match="resilience_level"):
        Sampler(backend=SIMULATOR, options=Options(resilience_level=3)).run(make_bell())
    with pytest.raises(IBMInputValueError, match="shots"):
        sampler.run(make_bell(), shots=0)
    with pytest.raises(IBMInputValueError, match="measurements"):
        sampler.run(make_bell(measure=False))
    with pytest.raises(IBMInputValueError, match="classical bits"):
        Sampler(mode=SIMULATOR).run([make_bell(measure=False)])
    with pytest.raises(IBMInputValueError, match="parameter"):
        estimator.run([circuit], ["Z"])  # no value for theta
    with pytest.raises(IBMInputValueError, match="qubit"):
        estimator.run([make_bell(measure=False)], ["Z"])
    with pytest.raises(IBMInputValueError, match="one per circuit"):
        estimator.run([make_bell(measure=False)] * 2, ["ZZ"] * 3)
    assert [j.job_id() for j in service.jobs(limit=None)] == before


# -- a noisy fake device ---------------------------------------------------------------


def test_fake_device_defaults_to_readout_mitigation(service):
    """resilience_level defaults to 1 on a noisy device: mthree corrects the readout."""
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    bell = make_bell()
    with Session(service=service, backend=FakeManilaV2()) as session:
        sampler = Sampler(session=session, options={"execution": {"shots": 1000}})
        mitigated = sampler.run(bell)
        raw = sampler.run(bell, resilience_level=0)
        assert mitigated.inputs["resilience_level"] == 1
        assert mitigated.backend().name == "fake_manila"
        mitigated, raw = mitigated.result(), raw.result()
    assert "readout_mitigation_overhead" in mitigated.metadata[0]
    assert "readout_mitigation_overhead" not in raw.metadata[0]
    for quasi in (mitigated.quasi_dists[0], raw.quasi_dists[0]):
        assert quasi.get(0, 0) + quasi.get(3, 0) > 0.8  # noisy, but a Bell state still
