"""The sandbox environment: built from an allow-list, never inherited from the host."""

from __future__ import annotations

import re
from collections.abc import Mapping

_SECRETISH = re.compile(r"KEY|SECRET|TOKEN|PASSWORD|CREDENTIAL|^AWS_|^REDIS|^RAY_|^ANTHROPIC", re.I)
_LOADERS = re.compile(r"^(LD_|PYTHON|TEXMF|openin_any$|openout_any$|shell_escape$|PATH$)")

BASE_ENV: dict[str, str] = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": "/tmp/home",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTHONIOENCODING": "utf-8",
    "PYTHONHASHSEED": "0",
    "MPLBACKEND": "Agg",
    "XDG_CACHE_HOME": "/tmp/cache",
    "TEXMFVAR": "/tmp/texmf-var",
    # LaTeX: no shell escape, paranoid reads and writes (kpathsea honours these variables).
    "shell_escape": "f",
    "openin_any": "p",
    "openout_any": "p",
    # ...where paranoid mode allows absolute paths only below TEXMFOUTPUT: the scratch dir.
    "TEXMFOUTPUT": "/scratch",
}


def sandbox_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """BASE_ENV plus `extra`, refusing anything that looks like a credential."""
    env = dict(BASE_ENV)
    for name, value in (extra or {}).items():
        if _SECRETISH.search(name):
            raise ValueError(f"refusing to pass {name!r} into a sandbox: it looks like a secret")
        if _LOADERS.match(name):
            raise ValueError(
                f"refusing to override {name!r} in a sandbox: it controls what code runs"
            )
        env[name] = value
    return env
