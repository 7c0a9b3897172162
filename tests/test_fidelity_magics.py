"""Issue 12: what a new user trips on in the magics (items 1 and 8).

A real InteractiveShell with the extension loaded, the local runtime on a fresh home, and
real worker processes for the jobs.
"""

from __future__ import annotations

import re

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell

from qrt_jupyter import active

MINE = '''
def main(backend, user_messenger, greeting="hi"):
    """Answers with its greeting.

    A longer explanation that is not the description.
    """
    return f"{greeting} from my program"
'''

BARE = '''
def main(backend, user_messenger):
    return 42
'''


@pytest.fixture
def ip(tmp_path, capsys):
    shell = InteractiveShell.instance()
    shell.extension_manager.load_extension("qrt_jupyter")
    shell.run_line_magic("qrt_service", f"local --home {tmp_path / 'home'} -o svc")
    capsys.readouterr()
    yield shell
    service = active.set_service(None)
    shell.extension_manager.unload_extension("qrt_jupyter")
    shell.user_ns.pop("svc", None)
    if service is not None:
        service.close()


def uploaded_id(out: str, name: str) -> str:
    return re.search(rf"({re.escape(name)}-[0-9a-v]{{7}})", out).group(1)


# --------------------------------------------------------------- 1: a built-in's name


def test_magic_uploads_under_a_builtins_name_and_updates_its_own(ip, capsys):
    flags = "--description Mine --max-execution-time 60"
    ip.run_cell_magic("qrt_program", f"sampler {flags}", MINE)
    program_id = uploaded_id(capsys.readouterr().out, "sampler")
    ip.run_cell_magic("qrt_program", "sampler --update --description Mine2", MINE)
    assert f"Updated program 'sampler': {program_id}" in capsys.readouterr().out
    svc = ip.user_ns["svc"]
    assert svc.program(program_id).description == "Mine2"
    assert svc.program("sampler").is_builtin
    with pytest.raises(UsageError, match="exists already"):
        ip.run_cell_magic("qrt_program", f"sampler {flags}", MINE)
