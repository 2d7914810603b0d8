"""E9: a final chunk whose poster is not a picture of the video's size (a JPEG header claiming
another size, 255x1): the host reads the poster's frame header and refuses the chunk."""

from manim import Circle, Create, Scene
from PIL import Image


def forge(self, fp, *args, **kwargs):
    # A JPEG start, then a frame header for 255x1 (no image data).
    header = bytes.fromhex("ffd8ffc0000b08000100ff01011100ffda0002")
    with open(fp, "wb") as out:
        out.write(header + b"\x00" * 64)


class OutputForgedPoster(Scene):
    def construct(self):
        self.play(Create(Circle()), run_time=0.2)
        Image.Image.save = forge
