"""C20: blow up the render config from inside the scene: 8K frames at 1000 fps."""

from manim import Circle, Create, Scene, config


class OutputRenderBomb(Scene):
    def construct(self):
        config.pixel_width, config.pixel_height, config.frame_rate = 7680, 4320, 1000
        self.camera.pixel_width, self.camera.pixel_height = 7680, 4320
        self.camera.reset_pixel_shape(7680, 4320)
        self.play(Create(Circle()), run_time=5)
