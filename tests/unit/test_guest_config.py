"""The guest's patch of Manim's `config.renderer` setter (renderers/guest/manim_entry.py).

Run in a child interpreter: importing the guest module patches Manim for the whole process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

GUEST = Path(__file__).resolve().parents[2] / "renderers" / "guest"
CHECK = """
import json, sys
sys.path.insert(0, sys.argv[1])
import manim_entry
from manim import Circle, config

def bases():
    return [c.__name__ for c in Circle.__mro__[3:5]]

seen = {"start": (str(config.renderer), bases())}
mro = Circle.__mro__
config.renderer = "cairo"
seen["same"] = (str(config.renderer), bases(), Circle.__mro__ is mro)
config.renderer = "opengl"
seen["opengl"] = (str(config.renderer), bases())
config.renderer = "CAIRO"
seen["back"] = (str(config.renderer), bases())
print(json.dumps(seen))
"""


def test_setting_the_same_renderer_leaves_the_classes_alone_and_a_change_still_rebases() -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHECK, str(GUEST)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    cairo = ["VMobject", "Mobject"]
    assert seen["start"] == ["RendererType.CAIRO", cairo]
    assert seen["same"] == ["RendererType.CAIRO", cairo, True]  # the MRO was not rebuilt
    assert seen["opengl"] == ["RendererType.OPENGL", ["OpenGLVMobject", "OpenGLMobject"]]
    assert seen["back"] == ["RendererType.CAIRO", cairo]
