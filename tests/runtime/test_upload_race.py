"""Issue 13, item 5: two processes uploading the same program name at once.

Real separate processes on one home: for every name exactly one upload wins, and the
loser gets the client's duplicate-program error (``IBMInputValueError`` "already
exists"), never a raw ``sqlite3.IntegrityError``.
"""

import json
import os
import subprocess
import sys
import textwrap

from qrt_jupyter.runtime.store import Store
from support import WAIT

from .programs import LOOP

NAMES = 100

UPLOADER = textwrap.dedent(
    """
    import json, os, sys, time
    from qiskit_ibm_runtime.exceptions import IBMInputValueError
    from qrt_jupyter import LocalRuntimeService
    home, gate, source, names = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    service = LocalRuntimeService(home=home)
    service.programs()  # the store is open before the race starts
    print("ready", flush=True)
    while not os.path.exists(gate):
        time.sleep(0.001)
    outcome = {"won": [], "lost": [], "other": []}
    for i in range(names):
        name = f"race-{i}"
        try:
            service.upload_program(source, name=name, description="d", max_execution_time=60)
            outcome["won"].append(name)
        except IBMInputValueError as exc:
            outcome["lost"].append(name if "already exists" in str(exc) else f"{name}: {exc}")
        except Exception as exc:
            outcome["other"].append(f"{name}: {type(exc).__name__}: {exc}")
    print(json.dumps(outcome), flush=True)
    """
)


def test_two_processes_upload_one_name_exactly_one_wins(tmp_path):
    home, gate = tmp_path / "home", tmp_path / "gate"
    env = dict(os.environ)
    Store(home / "runtime.db").close()  # the file exists before the race (opening one is another race)
    procs = [subprocess.Popen([sys.executable, "-c", UPLOADER, str(home), str(gate), LOOP, str(NAMES)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for _ in range(2)]
    try:
        for proc in procs:
            assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        gate.touch()
        outcomes = []
        for proc in procs:
            out, err = proc.communicate(timeout=WAIT)
            assert proc.returncode == 0, err
            outcomes.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert [o["other"] for o in outcomes] == [[], []]
    won = sorted(outcomes[0]["won"] + outcomes[1]["won"])
    lost = sorted(outcomes[0]["lost"] + outcomes[1]["lost"])
    expected = sorted(f"race-{i}" for i in range(NAMES))
    assert won == expected and lost == expected  # each name: one winner, one clear refusal
