"""A5: persistence through the interpreter the guest runs: its site-packages."""

import site
import sysconfig

from manim import Scene


class FilesWriteVenv(Scene):
    def construct(self):
        target = sysconfig.get_paths()["purelib"] + "/zz_evil.pth"
        with open(target, "w") as f:
            f.write("import os\n")
        raise RuntimeError(f"ESCAPED: wrote {target} ({site.PREFIXES})")
