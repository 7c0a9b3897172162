"""Issue 12, item 1: a program may be uploaded under a built-in's name, as on IBM's service.

The upload gets its own id (``hello-world-<suffix>``); the built-in stays reachable by its
id, because an exact id always wins over a name. Real runtime, real workers.
"""

from __future__ import annotations

import re

import pytest
from qiskit_ibm_runtime.exceptions import IBMInputValueError

from fidelity import svc  # noqa: F401 - the module's runtime

MY_HELLO = '''
def main(backend, user_messenger, greeting="hi"):
    """My own hello-world: it answers with its greeting."""
    user_messenger.publish({"greeting": greeting})
    return f"{greeting} from my program"
'''

META = {"name": "hello-world", "description": "My hello-world.", "max_execution_time": 60}


@pytest.fixture(scope="module")
def my_id(svc):
    return svc.upload_program(MY_HELLO, META)


def test_upload_under_a_builtins_name_gets_its_own_id(svc, my_id):
    assert re.fullmatch(r"hello-world-[0-9a-v]{7}", my_id)
    mine = svc.program(my_id)
    assert mine.name == "hello-world" and not mine.is_builtin
    builtin = svc.program("hello-world")
    assert builtin.is_builtin and builtin.program_id == "hello-world"
    ids = [p.program_id for p in svc.programs()]
    assert "hello-world" in ids and my_id in ids


def test_the_exact_id_decides_which_program_runs(svc, my_id):
    options = {"backend_name": "ibmq_qasm_simulator"}
    assert svc.run(my_id, {"greeting": "hey"}, options=options).result(timeout=180) == \
        "hey from my program"
    assert svc.run("hello-world", {"iterations": 1}, options=options).result(timeout=180) == \
        "All done!"


def test_the_same_name_twice_among_uploads_is_still_refused(svc, my_id):
    with pytest.raises(IBMInputValueError, match="already exists"):
        svc.upload_program(MY_HELLO, META)


def test_an_uploaded_programs_id_wins_over_another_programs_name(svc, my_id):
    other = svc.upload_program(MY_HELLO, {**META, "name": my_id})
    assert other != my_id
    assert svc.program(my_id).name == "hello-world"  # the id, not the program named so
    assert svc.program(other).name == my_id
