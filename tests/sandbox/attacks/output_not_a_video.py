"""E9/E10: a chunk that is not a video at all, with a job that exits claiming success."""

import pathlib

from manim import Circle, Create, Scene


def forge(movie, target):
    pathlib.Path(target).write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"not a video" * 1000)
    return pathlib.Path(target)


class OutputNotAVideo(Scene):
    def construct(self):
        self.play(Create(Circle()), run_time=0.2)
        pathlib.Path.replace = forge
