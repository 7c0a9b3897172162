"""``python -m qrt_jupyter.server``: the same as the ``qrt-runtime`` command."""

import sys

from .cli import main

sys.exit(main())
