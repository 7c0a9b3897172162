"""The runtime's fast paths give the same answers as the slow ones they replaced.

Each was written for speed (see BENCHMARKS.md); these tests check only that
nothing is lost or changed on the way, never how long anything takes.
"""

from __future__ import annotations

import socket
import threading
from multiprocessing.connection import Connection

import pytest

from qrt_jupyter.runtime.store import Store
from qrt_jupyter.runtime.frames import FrameReader


def _pair():
    a, b = socket.socketpair()
    return Connection(a.detach()), b


def test_frame_reader_returns_every_message_in_order():
    sender, receiving = _pair()
    messages = [("interim", "job", f'{{"i": {i}}}') for i in range(5000)]
    big = ("result", "job", "x" * (3 * FrameReader.CHUNK + 17))  # spans several reads
    thread = threading.Thread(target=lambda: [sender.send(m) for m in messages + [big, ("idle", "job")]])
    thread.start()
    reader = FrameReader(receiving.fileno())
    got = []
    while len(got) < len(messages) + 2:
        batch = reader.read()
        assert batch, "end of stream before every message arrived"
        got += batch
    thread.join()
    assert got == messages + [big, ("idle", "job")]
    sender.close()
    assert reader.read() is None  # end of stream
    receiving.close()


def test_write_batch_keeps_every_row(tmp_path):
    store = Store(tmp_path / "runtime.db")
    for job_id in ("j", "k"):
        store.insert_job(id=job_id, program_id="p", backend="b", inputs="{}", options="{}", status="RUNNING")
    interim = [("j", i, f'{{"i": {i}}}', float(i)) for i in range(451)]  # two full chunks and a rest
    logs = [("j", i, "stdout", f"line {i}\n", 0.0) for i in range(3)]
    store.write_batch(interim, logs)
    store.write_batch([("k", 0, "{}", 1.0)], [])
    assert [(r["idx"], r["data"]) for r in store.interim("j")] == [(i, f'{{"i": {i}}}') for i in range(451)]
    assert [r["text"] for r in store.logs("j")] == [f"line {i}\n" for i in range(3)]
    assert store.interim_count("k") == 1


@pytest.fixture
def common():
    from qrt_jupyter.runtime.programs.builtin import _common

    _common._PASS_MANAGERS.clear()
    yield _common
    _common._PASS_MANAGERS.clear()


def test_pass_manager_is_reused_for_the_same_backend_and_options(common):
    from qrt_jupyter.runtime.backends import SIMULATOR_NAME, make_backend

    simulator = make_backend(SIMULATOR_NAME)
    first = common.pass_manager(simulator, 1)
    assert common.pass_manager(simulator, 1) is first  # Aer builds a new, equal target each time
    assert common.pass_manager(simulator, 2) is not first
    assert common.pass_manager(simulator, 1, seed_transpiler=5) is not first
    assert common.pass_manager(simulator, 1, initial_layout=[1, 0]) is not first


def test_pass_manager_follows_a_changed_target(common):
    from qiskit import QuantumCircuit
    from qiskit.transpiler.exceptions import TranspilerError
    from qiskit_aer import AerSimulator

    simulator = AerSimulator()
    wide = common.pass_manager(simulator, 1)
    simulator.set_options(n_qubits=3)  # Aer rebuilds its target from the options
    narrow = common.pass_manager(simulator, 1)
    assert narrow is not wide
    four = QuantumCircuit(4)
    four.h(range(4))
    four.measure_all()
    wide.run(four)
    with pytest.raises(TranspilerError):  # compiled for the narrower device
        narrow.run(four)
    assert common.pass_manager(simulator, 1) is narrow


def _bell():
    from qiskit import QuantumCircuit

    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    return circuit


def test_transpile_with_a_cached_pass_manager_gives_a_valid_circuit(common):
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    backend = FakeManilaV2()
    circuit = _bell()
    once, again = (common.transpile([circuit], backend, 1, False, 11)[0] for _ in range(2))
    assert once == again  # same seed, same (reused) pass manager: same circuit
    assert set(once.count_ops()) <= set(backend.target.operation_names) | {"barrier"}


def test_small_ideal_circuits_run_aer_on_one_thread_with_the_same_seeded_samples(common):
    from qiskit import QuantumCircuit
    from qiskit_aer import AerSimulator
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    from qrt_jupyter.runtime.programs.builtin import sampler

    ideal, bell = AerSimulator(), _bell()
    assert common.simulator_run_options(ideal, [bell], {"seed_simulator": 3}) == \
        {"seed_simulator": 3, "max_parallel_threads": 1}
    assert common.simulator_run_options(ideal, [bell], {"max_parallel_threads": 2}) == {"max_parallel_threads": 2}
    wide = QuantumCircuit(common.ONE_THREAD_BELOW_QUBITS)
    wide.h(range(wide.num_qubits))
    wide.measure_all()
    assert common.simulator_run_options(ideal, [bell, wide], None) == {}
    assert common.simulator_run_options(FakeManilaV2(), [bell], None) == {}  # noisy: parallel shots
    pinned = AerSimulator(max_parallel_threads=2)
    assert common.simulator_run_options(pinned, [bell], None) == {}

    # the built-in sampler on one thread gives the samples Aer gives on all of them
    def samples(backend):
        result = sampler.main(backend, None, pubs=[(bell,)], shots=500, run_options={"seed_simulator": 5})
        return result[0].data.meas.get_bitstrings()

    assert samples(ideal) == samples(pinned)


def test_inputs_found_valid_are_not_checked_again_but_bad_ones_always_are(monkeypatch):
    import jsonschema

    from qrt_jupyter.runtime import codec
    from qrt_jupyter.runtime.programs import registry

    program = registry.builtin_program("sampler")
    text = codec.encode({"pubs": [(_bell(),)], "shots": 100})
    checks = []
    real = jsonschema.Draft202012Validator.iter_errors
    monkeypatch.setattr(jsonschema.Draft202012Validator, "iter_errors",
                        lambda self, instance: checks.append(1) or real(self, instance))
    for _ in range(3):
        registry.validate_inputs(program, codec.json_form(text), text)
    assert len(checks) == 1
    bad = codec.encode({"pubs": [(_bell(),)], "shots": 0})
    for _ in range(2):
        with pytest.raises(Exception, match="shots"):
            registry.validate_inputs(program, codec.json_form(bad), bad)
    assert len(checks) == 3


def test_a_program_whose_schema_changed_checks_the_same_inputs_again(tmp_path):
    from qiskit_ibm_runtime.exceptions import IBMInputValueError

    from qrt_jupyter import LocalRuntimeService

    service = LocalRuntimeService(home=tmp_path / "home")
    try:
        source = "def main(backend, user_messenger, x=None):\n    return x\n"
        integer = {"type": "object", "properties": {"x": {"type": "integer"}}}
        program = service.upload_program(source, name="typed", description="x back", max_execution_time=60,
                                         parameters=integer)
        assert service.run(program, {"x": 1}).result(timeout=120) == 1
        service.update_program(program, parameters={"type": "object", "properties": {"x": {"type": "string"}}})
        with pytest.raises(IBMInputValueError, match="'x'"):
            service.run(program, {"x": 1})
    finally:
        service.close()


def test_back_to_back_jobs_go_to_the_same_warm_worker(tmp_path):
    """A job that nothing waits before starts from run() itself; its result comes back once
    its worker is idle again, so the next job finds that worker, not one still starting."""
    from qrt_jupyter import LocalRuntimeService
    from qrt_jupyter.status import RUNNING

    service = LocalRuntimeService(home=tmp_path / "home")
    try:
        options = {"backend_name": "ibmq_qasm_simulator"}
        service.run("hello-world", {"iterations": 0}, options=options).result(timeout=300)
        workers, statuses = set(), []
        for _ in range(6):
            job = service.run("sampler", {"pubs": [(_bell(),)], "shots": 64}, options=options)
            statuses.append(job.status().name)
            assert sum(job.result(timeout=120)[0].data.meas.get_counts().values()) == 64
            workers.add(job.metrics()["worker"])
        assert len(workers) == 1, workers
        assert RUNNING in statuses or "DONE" in statuses  # started at once: never seen QUEUED
        assert "QUEUED" not in statuses
    finally:
        service.close()
