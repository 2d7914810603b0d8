"""The `scenefarm` command's entry point.

`render` goes to the local cluster's render server when one can take it (api/render_client.py:
the standard library only, so a served command imports nothing heavy); everything else, and a
render the server cannot take, runs here (api/cli.py).
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import NoReturn

from api import render_client


def console() -> NoReturn:
    code = render_client.run(sys.argv[1:])
    if code is None:
        from api.cli import console as run_here

        run_here()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)
