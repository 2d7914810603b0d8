"""G8: point Manim's output at system paths."""

from manim import Circle, Create, Scene, config


class OutputConfigPaths(Scene):
    def construct(self):
        config.media_dir = "/"
        config.output_file = "/etc/evil"
        config.video_dir = "/usr/lib"
        self.play(Create(Circle()), run_time=0.2)
