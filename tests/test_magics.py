"""The ``%qrt_*`` magics through a real InteractiveShell and a real local runtime.

The shell and the runtime are shared (``ip`` in conftest.py): jobs run on the
session's runtime, whose worker processes stay warm, and a test looks only at the
jobs it started. Tests about an empty store or about program names take
``empty_ip``, a home of their own where no job runs. Nothing touches ``~/.qrt``.
Jobs run in real worker processes; waits have generous safety timeouts but
nothing asserts on how long anything took.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from IPython.core.error import UsageError
from IPython.utils.capture import capture_output

from qrt_jupyter import active
from support import WAIT, bell

MAGICS = (
    "qrt_service",
    "qrt_run",
    "qrt_jobs",
    "qrt_job",
    "qrt_cancel",
    "qrt_programs",
    "qrt_backends",
    "qrt_dashboard",
    "qrt_version",
)

SLEEPER = '''"""Sleeps, so that there is something to cancel.

max_execution_time: 120
"""
import time


def main(backend, user_messenger, seconds=60):
    time.sleep(seconds)
    return "woke up"
'''


def usage_error(shell, magic, line="", cell=None) -> str:
    """Run a magic that must fail with a UsageError; return its (one-line) message."""
    with pytest.raises(UsageError) as info:
        if cell is None:
            shell.run_line_magic(magic, line)
        else:
            shell.run_cell_magic(magic, line, cell)
    message = str(info.value)
    assert message and "\n" not in message, message
    return message


def html_of(captured) -> str:
    return "".join(output.data.get("text/html", "") for output in captured.outputs)


def run_wait(shell, line):
    shell.run_line_magic("qrt_run", line)


# ------------------------------------------------------------------ loading


def test_load_ext_is_cheap_in_a_fresh_process(tmp_path):
    """No qiskit, qiskit-aer, qiskit-ibm-runtime or plotly, nor our runtime, until a service is used."""
    code = textwrap.dedent(
        """
        import sys
        from IPython.core.interactiveshell import InteractiveShell
        ip = InteractiveShell.instance()
        ip.run_line_magic("load_ext", "qrt_jupyter")
        ip.run_line_magic("qrt_version", "")
        ip.run_line_magic("qrt_service", "")
        ip.run_line_magic("config", "QRTMagics.default_backend = 'fake_manila'")
        ip.run_line_magic("pinfo", "%qrt_run")
        heavy = [m for m in ("qiskit", "qiskit_aer", "qiskit_ibm_runtime", "plotly") if m in sys.modules]
        print("HEAVY", heavy)
        layers = ("qrt_jupyter.runtime", "qrt_jupyter.monitor", "qrt_jupyter.ibm", "qrt_jupyter.widgets.")
        print("LAYERS", sorted(m for m in sys.modules if m.startswith(layers)))
        """
    )
    env = dict(os.environ, QRT_HOME=str(tmp_path / "home"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "HEAVY []" in out.stdout
    assert "LAYERS ['qrt_jupyter.widgets.status_line']" in out.stdout  # no runtime, monitor or ibm module
    assert "qiskit-aer" in out.stdout  # the version table was shown


def test_every_magic_is_registered_with_help(ip):
    lines = ip.magics_manager.magics["line"]
    for name in MAGICS:
        doc = lines[name].__doc__
        assert doc and f"%{name}" in doc and len(doc.splitlines()) > 3, name
    cell_doc = ip.magics_manager.magics["cell"]["qrt_program"].__doc__
    assert "%qrt_program" in cell_doc and "--update" in cell_doc and "docstring" in cell_doc


def test_unload_removes_the_magics_and_reload_brings_them_back(ip):
    ip.extension_manager.unload_extension("qrt_jupyter")
    assert "qrt_run" not in ip.magics_manager.magics["line"]
    assert not any(type(c).__name__ == "QRTMagics" for c in ip.configurables)
    ip.extension_manager.load_extension("qrt_jupyter")
    assert "qrt_run" in ip.magics_manager.magics["line"]


def test_config_sets_the_traits(ip):
    ip.run_line_magic("config", 'QRTMagics.default_backend = "fake_manila"')
    ip.run_line_magic("config", "QRTMagics.default_shots = 123")
    magics = ip.magics_manager.registry["QRTMagics"]
    assert (magics.default_backend, magics.default_shots) == ("fake_manila", 123)


def test_a_usage_error_shows_one_line_and_no_traceback(ip, capsys):
    result = ip.run_cell("%qrt_run no-such-program")
    assert isinstance(result.error_in_exec, UsageError)
    err = capsys.readouterr().err
    assert err.startswith("UsageError: unknown program 'no-such-program'")
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


# ------------------------------------------------------------------ %qrt_service


def test_service_without_arguments_says_which_is_active(empty_ip, tmp_path, capsys):
    empty_ip.run_line_magic("qrt_service", "")
    assert capsys.readouterr().out.strip() == f"Active service: local runtime (home {tmp_path / 'home'})"


def test_service_switches_home_and_stores_it(ip, tmp_path, capsys):
    other = tmp_path / "other"
    ip.run_line_magic("qrt_service", f"--home {other} -o svc")
    assert str(ip.user_ns["svc"].home) == str(other)
    assert active.get_service() is ip.user_ns["svc"]
    assert str(other) in capsys.readouterr().out
    ip.user_ns["svc"].close()


def test_service_uses_the_home_trait(ip, tmp_path):
    ip.run_line_magic("config", f"QRTMagics.home = {str(tmp_path / 'configured')!r}")
    ip.run_line_magic("qrt_service", "local")
    assert str(active.get_service().home) == str(tmp_path / "configured")
    active.get_service().close()


@pytest.mark.parametrize(
    "line, problem",
    [
        ("local --channel ibm_cloud", "--channel applies only to %qrt_service ibm"),
        ("local --instance x --account y", "--instance, --account apply only"),
        ("ibm --home /tmp/x", "--home applies only to %qrt_service local"),
        ("cloud", "invalid choice: 'cloud'"),
        ("local --bogus", "unrecognized arguments: --bogus"),
    ],
)
def test_service_mistakes(ip, line, problem):
    assert problem in usage_error(ip, "qrt_service", line)


def test_ibm_without_a_saved_account_is_a_one_line_usage_error(ip, tmp_path, monkeypatch):
    """An empty accounts file: the adapter (when built) says how to save one; never a traceback."""
    monkeypatch.setenv("QRT_IBM_ACCOUNTS_FILE", str(tmp_path / "no-accounts.json"))
    before = active.current()
    message = usage_error(ip, "qrt_service", "ibm --channel ibm_cloud")
    try:
        from qrt_jupyter.ibm import connect  # noqa: F401  - built by the IBM issue
    except ImportError:
        assert message.startswith("IBM support is not available")
    else:
        assert message.startswith("IBM Quantum: ") and "save_account" in message
    assert active.current() is before


# ------------------------------------------------------------------ listings


def test_programs_listing_text_and_html(ip, capsys):
    ip.run_line_magic("qrt_programs", "")
    text = capsys.readouterr().out
    for program in ("hello-world", "sampler", "estimator", "circuit-runner"):
        assert program in text
    with capture_output() as captured:
        ip.run_line_magic("qrt_programs", "")
    html = html_of(captured)
    assert "<table" in html and "<td style='text-align:left'>hello-world</td>" in html


def test_backends_listing_with_queue_lengths(ip, capsys):
    ip.run_line_magic("qrt_backends", "")
    text = capsys.readouterr().out
    assert "pending jobs" in text
    rows = {line.split()[0]: line.split() for line in text.splitlines()[3:]}
    assert rows["ibmq_qasm_simulator"][1] == "32" and rows["fake_manila"][1] == "5"
    assert rows["fake_manila"][3] == "0"


def test_version_table(ip, capsys):
    ip.run_line_magic("qrt_version", "")
    text = capsys.readouterr().out
    for label in ("qrt_jupyter", "qiskit ", "qiskit-aer", "qiskit-ibm-runtime", "Python", "OS"):
        assert label in text
    with capture_output() as captured:
        ip.run_line_magic("qrt_version", "")
    assert "<table" in html_of(captured)


def test_jobs_listing_when_empty(empty_ip, capsys):
    empty_ip.run_line_magic("qrt_jobs", "")
    assert "No jobs found" in capsys.readouterr().out


def test_dashboard_in_a_terminal_prints_its_summary(ip, capsys):
    ip.run_line_magic("qrt_dashboard", "")
    out = capsys.readouterr().out
    assert "Jobs (newest first)" in out and "Backends" in out and "fake_manila" in out


# ------------------------------------------------------------------ %qrt_run: mistakes (no job is started)


@pytest.mark.parametrize(
    "line, problem",
    [
        ("", "the following arguments are required: PROGRAM"),
        ("hello-wrld", "unknown program 'hello-wrld'. Did you mean 'hello-world'?"),
        ("hello-world -b fake_manilla", "unknown backend 'fake_manilla'. Did you mean 'fake_manila'?"),
        ("hello-world -i iterations=undefined_name", "-i iterations=undefined_name failed: NameError"),
        ("hello-world -i iterations=(1", "-i iterations=(1: not a Python expression"),
        ("hello-world -i 3=4", "'3' is not a valid input name"),
        ("hello-world -i iterations", "-i expects KEY=EXPR"),
        ("hello-world -i a=1 -i a=2", "-i a is given twice"),
        ("hello-world -i x=a + b", "unrecognized arguments: + b"),
        ("hello-world --shots 0", "argument -s/--shots: must be at least 1"),
        ("hello-world --shots 5 -i shots=6", "shots is given twice"),
        ("hello-world -o 1abc", "'1abc' is not a valid Python variable name"),
        ("hello-world --inputs missing", "--inputs missing: no variable of that name"),
        ("hello-world --inputs not_a_dict", "--inputs not_a_dict: expected a dict"),
        ("hello-world -i iterations='many'", "invalid input parameter 'iterations'"),
        ("hello-world --max-execution-time soon", "expected a whole number, got 'soon'"),
    ],
)
def test_run_mistakes(empty_ip, line, problem):
    empty_ip.user_ns["not_a_dict"] = [1, 2]
    assert problem in usage_error(empty_ip, "qrt_run", line)
    assert active.get_service().jobs() == []


def test_unknown_program_lists_uploaded_ones_too(empty_ip, capsys):
    empty_ip.run_cell_magic("qrt_program", "sleeper", SLEEPER)
    assert "Did you mean 'sleeper'" in usage_error(empty_ip, "qrt_run", "sleepr")


# ------------------------------------------------------------------ %qrt_run: jobs


@pytest.mark.slow
def test_run_wait_stores_the_job_and_shows_status_and_result(ip, capsys):
    ip.run_line_magic("qrt_run", "hello-world -i iterations=2 --wait -o job")
    job = ip.user_ns["job"]
    assert job.status().name == "DONE"
    assert job.inputs == {"iterations": 2}
    out = capsys.readouterr().out
    assert f"hello-world job {job.job_id()} on " in out
    assert out.splitlines()[-2].endswith(": DONE")
    assert out.splitlines()[-1] == "'All done!'"


@pytest.mark.slow
def test_run_returns_at_once_and_the_job_can_be_found_again(ip, capsys):
    ip.run_line_magic("qrt_run", "hello-world -i iterations=1 -o job")
    job = ip.user_ns["job"]
    out = capsys.readouterr().out
    assert out.startswith(f"hello-world job {job.job_id()}")
    assert "%qrt_job" in out or out.rstrip().endswith("DONE")
    job.wait_for_final_state(timeout=WAIT)

    ip.run_line_magic("qrt_job", f"{job.job_id()} -o again")
    assert ip.user_ns["again"].job_id() == job.job_id()
    assert capsys.readouterr().out.strip().endswith(": DONE")
    ip.run_line_magic("qrt_job", "")  # the newest job
    assert job.job_id() in capsys.readouterr().out


@pytest.mark.slow
def test_run_inputs_backend_shots_and_time_limit(ip):
    ip.user_ns["bell"] = bell()
    ip.user_ns["base"] = {"circuits": ip.user_ns["bell"], "shots": 10}
    ip.run_line_magic("config", "QRTMagics.default_backend = 'fake_manila'")
    ip.run_line_magic("qrt_run", "sampler --inputs base -i shots=300 --max-execution-time 90 -o job --wait")
    job = ip.user_ns["job"]
    assert job.backend_name == "fake_manila"
    assert job.max_execution_time == 90
    assert job.inputs["shots"] == 300
    quasi = job.result().quasi_dists[0]
    assert set(quasi) <= {0, 1, 2, 3} and quasi.get(0, 0) + quasi.get(3, 0) > 0.7

    ip.run_line_magic("config", "QRTMagics.default_shots = 123")
    ip.run_line_magic("qrt_run", "sampler -i circuits=bell -b ibmq_qasm_simulator -o job2 --wait")
    assert ip.user_ns["job2"].inputs["shots"] == 123
    assert ip.user_ns["job2"].backend_name == "ibmq_qasm_simulator"
    ip.run_line_magic("qrt_run", "sampler -i circuits=bell --shots 77 -o job3")
    assert ip.user_ns["job3"].inputs["shots"] == 77
    # default_shots only goes to programs that take shots
    ip.run_line_magic("qrt_run", "hello-world -i iterations=0 -o job4 --wait")
    assert ip.user_ns["job4"].inputs == {"iterations": 0}


@pytest.mark.slow
def test_var_expansion_around_but_not_inside_inputs(ip):
    ip.user_ns["program"] = "hello-world"
    ip.run_cell("%qrt_run $program -i iterations=len({1, 2}) -o job --wait")
    job = ip.user_ns["job"]
    assert job.program_id == "hello-world" and job.inputs == {"iterations": 2}


@pytest.mark.slow
def test_jobs_listing_and_filters(ip, capsys):
    ip.run_line_magic("qrt_run", "hello-world -i iterations=0 -b fake_manila -o first --wait")
    ip.run_line_magic("qrt_run", "hello-world -i iterations=0 -b ibmq_qasm_simulator -o second --wait")
    first, second = ip.user_ns["first"].job_id(), ip.user_ns["second"].job_id()
    capsys.readouterr()

    ip.run_line_magic("qrt_jobs", "")
    text = capsys.readouterr().out
    assert text.index(second) < text.index(first)  # newest first
    ip.run_line_magic("qrt_jobs", "--limit 1")
    text = capsys.readouterr().out
    assert second in text and first not in text
    ip.run_line_magic("qrt_jobs", "--backend fake_manila")
    text = capsys.readouterr().out
    assert first in text and second not in text
    ip.run_line_magic("qrt_jobs", "--pending")
    assert "No jobs found" in capsys.readouterr().out
    ip.run_line_magic("qrt_jobs", "--program hello-world --finished")
    text = capsys.readouterr().out
    assert first in text and second in text
    assert "exclude each other" in usage_error(ip, "qrt_jobs", "--pending --finished")
    with capture_output() as captured:
        ip.run_line_magic("qrt_jobs", "")
    assert f"<td style='text-align:left'>{first}</td>" in html_of(captured)


@pytest.mark.slow
def test_job_of_an_earlier_kernel(empty_ip, capsys):
    """Another process (a kernel before a restart) ran a job on the same home."""
    ip = empty_ip
    home = active.get_service().home
    code = textwrap.dedent(
        f"""
        from qrt_jupyter import LocalRuntimeService
        service = LocalRuntimeService(home={str(home)!r})
        job = service.run("hello-world", {{"iterations": 1}})
        job.wait_for_final_state(timeout={WAIT})
        print(job.job_id())
        service.close()
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    job_id = out.stdout.strip().splitlines()[-1]
    ip.run_line_magic("qrt_job", f"{job_id} -o old")
    assert ip.user_ns["old"].result() == "All done!"
    assert capsys.readouterr().out.strip() == f"hello-world job {job_id} on ibmq_qasm_simulator: DONE"


def test_unknown_job_ids(empty_ip):
    ip = empty_ip
    assert "unknown job 'nope'. There are no jobs yet." in usage_error(ip, "qrt_job", "nope")
    assert "there are no jobs yet" in usage_error(ip, "qrt_job", "")
    assert "unknown job 'nope'" in usage_error(ip, "qrt_cancel", "nope")
    assert "required: JOB_ID" in usage_error(ip, "qrt_cancel", "")


@pytest.mark.slow
def test_cancel(ip, capsys):
    ip.run_cell_magic("qrt_program", "sleeper", SLEEPER)
    ip.run_line_magic("qrt_run", "sleeper -o job")
    job = ip.user_ns["job"]
    capsys.readouterr()
    ip.run_cell(f"%qrt_cancel {{job.job_id()}}")  # IPython's {expr} expansion works here
    assert capsys.readouterr().out.strip() == f"Cancelled job {job.job_id()}"
    job.wait_for_final_state(timeout=WAIT)
    assert job.status().name == "CANCELLED"
    message = usage_error(ip, "qrt_cancel", job.job_id())
    assert message == f"job {job.job_id()} is CANCELLED already; only queued or running jobs can be cancelled"


# ------------------------------------------------------------------ %%qrt_program


ADDER = '''"""Adds numbers.

max_execution_time: 60
parameters: {"type": "object", "properties": {"numbers": {"type": "array", "items": {"type": "number"}}},
             "required": ["numbers"]}
"""
side_effect = "this line must not run in the kernel"


def main(backend, user_messenger, numbers):
    return sum(numbers)
'''


def test_program_upload_prints_the_id_and_runs_nothing_here(empty_ip, capsys):
    ip = empty_ip
    ip.run_cell_magic("qrt_program", "adder --version 2.0", ADDER)
    out = capsys.readouterr().out.strip()
    assert out.startswith("Uploaded program 'adder': adder-")
    program_id = out.rsplit(": ", 1)[1]
    assert "side_effect" not in ip.user_ns
    program = active.get_service().program(program_id)
    assert (program.name, program.description, program.max_execution_time, program.version) == (
        "adder",
        "Adds numbers.",
        60,
        "2.0",
    )
    assert program.parameters["required"] == ["numbers"]
    ip.run_line_magic("qrt_programs", "")
    assert program_id in capsys.readouterr().out


@pytest.mark.slow
def test_uploaded_program_runs_by_name(ip):
    ip.run_cell_magic("qrt_program", "adder", ADDER)
    ip.run_line_magic("qrt_run", "adder -i numbers=[1, 2, 3.5] -o job --wait")
    assert ip.user_ns["job"].result() == 6.5
    assert "needs input parameter(s) 'numbers'" in usage_error(ip, "qrt_run", "adder")


def test_program_update(empty_ip, capsys):
    ip = empty_ip
    ip.run_cell_magic("qrt_program", "adder", ADDER)
    program_id = capsys.readouterr().out.strip().rsplit(": ", 1)[1]
    assert "add --update to replace it" in usage_error(ip, "qrt_program", "adder", ADDER)
    ip.run_cell_magic("qrt_program", "adder --update --description 'Sums numbers.'", ADDER)
    assert capsys.readouterr().out.strip() == f"Updated program 'adder': {program_id}"
    assert active.get_service().program(program_id).description == "Sums numbers."
    # --update on a new name uploads it, so a cell with --update can be re-run
    ip.run_cell_magic("qrt_program", "nothing --update", ADDER)
    assert capsys.readouterr().out.startswith("Uploaded program 'nothing': nothing-")
    ip.run_cell_magic("qrt_program", "nothing --update", ADDER)
    assert capsys.readouterr().out.startswith("Updated program 'nothing': nothing-")


def test_program_metadata_from_variable_and_file(empty_ip, tmp_path, capsys):
    ip = empty_ip
    source = "def main(backend, user_messenger):\n    return 1\n"
    ip.user_ns["meta"] = {"name": "from-var", "description": "d", "max_execution_time": 30}
    ip.run_cell_magic("qrt_program", "--metadata meta", source)
    assert "'from-var'" in capsys.readouterr().out
    path = tmp_path / "meta.json"
    path.write_text(json.dumps({"description": "from a file", "max_execution_time": 40}))
    ip.run_cell_magic("qrt_program", f"from-file --metadata {path}", source)
    program_id = capsys.readouterr().out.strip().rsplit(": ", 1)[1]
    program = active.get_service().program(program_id)
    assert (program.description, program.max_execution_time) == ("from a file", 40)


@pytest.mark.parametrize(
    "line, cell, problem",
    [
        ("p", "x = 1\n", "no top-level main"),
        ("p", "def main(:\n", "not valid Python: line 1"),
        ("p", "   \n", "the program source is empty"),
        ("", "def main(b, m):\n    pass\n", "the program needs a name"),
        ("p", '"""max_execution_time: later"""\ndef main(b, m):\n    pass\n', "expected whole seconds"),
        ("p --metadata nowhere", "def main(b, m):\n    pass\n", "--metadata nowhere: no such variable or file"),
        ("p --metadata number", "def main(b, m):\n    pass\n", "expected a dict or a JSON file path, got int"),
        ("p --max-execution-time -3", "def main(b, m):\n    pass\n", "%%qrt_program: argument --max-execution-time: must"),
        ("'bad name!' --description d --max-execution-time 5", "def main(b, m):\n    pass\n", "Program name"),
    ],
)
def test_program_mistakes(empty_ip, line, cell, problem):
    ip = empty_ip
    ip.user_ns["number"] = 3
    assert problem in usage_error(ip, "qrt_program", line, cell)
    assert [p.name for p in active.get_service().programs()] == [
        "hello-world",
        "sampler",
        "estimator",
        "circuit-runner",
    ]


# ------------------------------------------------------------------ in a real Jupyter kernel


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    """A real ipykernel (what a notebook talks to), with the extension and a home of its own.

    One kernel for the module: starting one, and the worker processes of its
    runtime, costs seconds. Each test reads only the messages of its own requests.
    """
    from jupyter_client.manager import start_new_kernel

    folder = tmp_path_factory.mktemp("kernel")
    manager, client = start_new_kernel(
        kernel_name="python3", env=dict(os.environ, QRT_HOME=str(folder / "default-home"))
    )
    try:
        execute(client, f"%load_ext qrt_jupyter\n%qrt_service local --home {folder / 'home'}")
        yield client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def execute(client, code):
    """Run ``code``; return (iopub messages of this request, reply content)."""
    msg_id = client.execute(code)
    messages = []
    while True:
        msg = client.get_iopub_msg(timeout=WAIT)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        messages.append(msg)
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
    while True:  # a reply left over from an earlier test's request is skipped
        reply = client.get_shell_msg(timeout=WAIT)
        if reply["parent_header"].get("msg_id") == msg_id:
            return messages, reply["content"]


def displays(messages, msg_type="display_data"):
    return [m["content"] for m in messages if m["msg_type"] == msg_type]


@pytest.mark.slow
def test_in_a_kernel_run_shows_the_job_widget(kernel):
    messages, reply = execute(kernel, "%qrt_run hello-world -i iterations=1 -o job --wait")
    assert reply["status"] == "ok", reply
    widget = [d for d in displays(messages) if "application/vnd.jupyter.widget-view+json" in d["data"]]
    assert widget, messages
    messages, reply = execute(kernel, "print(job.status().name)")
    assert [m["content"]["text"].strip() for m in messages if m["msg_type"] == "stream"] == ["DONE"]


@pytest.mark.slow
def test_in_a_kernel_no_widget_shows_a_status_line_updated_in_place(kernel):
    messages, reply = execute(kernel, "%qrt_run hello-world -i iterations=1 --no-widget --wait")
    assert reply["status"] == "ok", reply
    first = displays(messages)[0]
    assert "qrt-status" in first["data"]["text/html"]
    display_id = first["transient"]["display_id"]
    updates = [u for u in displays(messages, "update_display_data") if u["transient"]["display_id"] == display_id]
    shown = [first, *updates][-1]["data"]["text/plain"]
    assert shown.endswith(": DONE")
    assert "'All done!'" in [d["data"]["text/plain"] for d in displays(messages)]


@pytest.mark.slow
def test_in_a_kernel_errors_are_one_line(kernel):
    messages, reply = execute(kernel, "%qrt_run hello-world -b nowhere")
    assert reply["status"] == "error" and reply["ename"] == "UsageError"
    assert reply["evalue"].startswith("unknown backend 'nowhere'")


@pytest.mark.slow
def test_in_a_kernel_the_dashboard(kernel):
    messages, reply = execute(kernel, "%qrt_dashboard -o dash")
    try:
        import qrt_jupyter.widgets.dashboard  # noqa: F401  - built by the dashboard issue
    except ModuleNotFoundError:
        assert reply["status"] == "error" and "not available" in reply["evalue"]
        return
    assert reply["status"] == "ok", reply
    assert any("application/vnd.jupyter.widget-view+json" in d["data"] for d in displays(messages))
