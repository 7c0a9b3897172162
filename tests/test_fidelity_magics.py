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


# --------------------------------------------------------------- 8: a bare def main uploads


def test_a_cell_with_just_def_main_uploads_with_its_docstring_and_the_default_limit(ip, capsys):
    ip.run_cell_magic("qrt_program", "greeter", MINE)
    out = capsys.readouterr().out.strip()
    program_id = uploaded_id(out, "greeter")
    assert out == (f"Uploaded program 'greeter': {program_id} (description 'Answers with its "
                   "greeting.', from main's docstring; max_execution_time 300 s, "
                   "QRTMagics.default_max_execution_time)")
    program = ip.user_ns["svc"].program(program_id)
    assert (program.description, program.max_execution_time) == ("Answers with its greeting.", 300)
    job = ip.user_ns["svc"].run(program_id, {"greeting": "hello"})
    assert job.result(timeout=180) == "hello from my program"


def test_the_default_time_limit_is_configurable_and_a_bare_cell_gets_a_plain_description(ip, capsys):
    ip.run_line_magic("config", "QRTMagics.default_max_execution_time = 45")
    try:
        ip.run_cell_magic("qrt_program", "bare", BARE)
    finally:
        ip.run_line_magic("config", "QRTMagics.default_max_execution_time = 300")
    out = capsys.readouterr().out
    assert "max_execution_time 45 s, QRTMagics.default_max_execution_time" in out
    assert "description 'bare, uploaded with %%qrt_program', the default" in out
    program = ip.user_ns["svc"].program(uploaded_id(out, "bare"))
    assert program.max_execution_time == 45


def test_given_metadata_wins_and_the_line_names_only_the_default_it_used(ip, capsys):
    cell = '"""Greets.\n"""\n' + MINE
    ip.run_cell_magic("qrt_program", "documented", cell)
    out = capsys.readouterr().out
    assert ("(description 'Greets.'; max_execution_time 300 s, "
            "QRTMagics.default_max_execution_time)") in out
    ip.run_cell_magic("qrt_program", "given --max-execution-time 90", cell)
    out = capsys.readouterr().out.strip()
    assert out == f"Uploaded program 'given': {uploaded_id(out, 'given')}"  # nothing defaulted


def test_a_non_positive_default_time_limit_is_refused(ip):
    from traitlets import TraitError

    magics = ip.magics_manager.registry["QRTMagics"]
    with pytest.raises(TraitError, match="must be positive"):
        magics.default_max_execution_time = 0
    assert magics.default_max_execution_time == 300


def test_python_upload_program_still_needs_the_old_apis_metadata(ip):
    from qiskit_ibm_runtime.exceptions import IBMInputValueError

    with pytest.raises(IBMInputValueError, match="missing description, max_execution_time"):
        ip.user_ns["svc"].upload_program(BARE, name="bare-python")
