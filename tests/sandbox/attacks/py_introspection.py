"""G4: the classic in-process "sandbox escape": reach os.system through object.__subclasses__()."""

import json

from manim import Scene


class PyIntrospection(Scene):
    def construct(self):
        wrap = next(
            c for c in ().__class__.__base__.__subclasses__() if c.__name__ == "_wrap_close"
        )
        system = wrap.__init__.__globals__["system"]
        code = system("id -u > uid.txt")
        with open("uid.txt") as f:
            raise RuntimeError("REPORT " + json.dumps({"uid": int(f.read()), "code": code}))
