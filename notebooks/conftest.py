"""pytest --nbval-lax notebooks/: the tutorials only.

``scripts/run_quickstart.py`` writes ``*.executed.ipynb`` next to the
tutorials; they are results to read, not notebooks to test again.
"""

collect_ignore_glob = ["*.executed.ipynb"]
