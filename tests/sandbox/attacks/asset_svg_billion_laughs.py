"""F4: an SVG with the "billion laughs" entity expansion."""

from manim import Scene, SVGMobject

LOL = '<!ENTITY lol{n} "{body}">'


def bomb():
    entities = ['<!ENTITY lol0 "lollollollollollollollollollol">']
    entities += [LOL.format(n=i, body=f"&lol{i - 1};" * 10) for i in range(1, 10)]
    return (
        '<?xml version="1.0"?><!DOCTYPE svg [' + "".join(entities) + "]>"
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        "<text>&lol9;</text><rect width='5' height='5'/></svg>"
    )


class AssetSvgBillionLaughs(Scene):
    def construct(self):
        with open("bomb.svg", "w") as f:
            f.write(bomb())
        SVGMobject("bomb.svg")
        raise RuntimeError("ESCAPED: a billion laughs expanded")
