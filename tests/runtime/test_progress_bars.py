"""Issue 13, item 10: a program that draws a progress bar (30,000 ``\\r`` updates) in a real
worker: every character reaches ``job.logs()`` in order, lines and all. What it costs is
measured in the report's script, not asserted here."""

from .programs import upload

BAR = '''
import sys

def main(backend, user_messenger, n=30000, end_line=True):
    print("before")
    for i in range(n):
        sys.stdout.write(f"\\r{i:6d}")
    if end_line:
        print()
        print("after")
    else:
        sys.stdout.write(" unfinished")
    return n
'''


def _expected(n, end_line):
    bar = "".join(f"\r{i:6d}" for i in range(n))
    return "before\n" + bar + ("\nafter\n" if end_line else " unfinished")


def test_a_progress_bar_reaches_the_logs_whole(runtime):
    program = upload(runtime, BAR, name="faults-progress-bar", schema={"type": "object"})
    ended = runtime.run(program, {})
    unended = runtime.run(program, {"n": 20000, "end_line": False})
    assert ended.result() == 30000 and unended.result() == 20000
    assert ended.logs() == _expected(30000, True)
    assert unended.logs() == _expected(20000, False)  # sent as it grew, the rest at the end
