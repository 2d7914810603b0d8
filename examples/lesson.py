"""Sample lesson: the derivative as the slope of a tangent line (used by `make demo`)."""

from manim import *


class Title(Scene):
    def construct(self):
        title = Text("What is a derivative?", font_size=56)
        subtitle = Text("the slope of a curve, one point at a time", font_size=30).next_to(
            title, DOWN
        )
        self.play(Write(title))
        self.play(FadeIn(subtitle, shift=UP * 0.3))
        self.wait(0.5)
        self.play(FadeOut(title), FadeOut(subtitle))


class DifferenceQuotient(Scene):
    def construct(self):
        formula = MathTex(r"f'(x) = \lim_{h \to 0} \frac{f(x+h) - f(x)}{h}", font_size=60)
        self.play(Write(formula))
        self.wait(0.5)
        box = SurroundingRectangle(formula, color=YELLOW, buff=0.2)
        self.play(Create(box))
        self.play(formula.animate.scale(0.7).to_edge(UP), FadeOut(box))
        example = MathTex(r"f(x) = x^2 \;\Rightarrow\; f'(x) = 2x", font_size=54)
        self.play(FadeIn(example, shift=DOWN * 0.3))
        self.wait(0.5)


class TangentLine(Scene):
    def construct(self):
        axes = Axes(x_range=[-3, 3, 1], y_range=[0, 9, 3], x_length=7, y_length=5).to_edge(DOWN)
        curve = axes.plot(lambda x: x**2, color=BLUE)
        x = ValueTracker(-2.0)
        dot = always_redraw(lambda: Dot(axes.c2p(x.get_value(), x.get_value() ** 2), color=YELLOW))
        tangent = always_redraw(
            lambda: axes.get_secant_slope_group(
                x.get_value(), curve, dx=0.01, secant_line_length=4, secant_line_color=RED
            )
        )
        slope_text = MathTex(r"\text{slope} =").to_corner(UL)
        slope = DecimalNumber(0, num_decimal_places=2).next_to(slope_text, RIGHT)
        slope.add_updater(lambda m: m.set_value(2 * x.get_value()))
        label = VGroup(slope_text, slope)
        self.play(Create(axes), Create(curve))
        self.add(dot, tangent, label)
        self.play(x.animate.set_value(2.0), run_time=3)
        self.play(x.animate.set_value(0.0), run_time=1.5)
        self.wait(0.5)


class Summary(Scene):
    def construct(self):
        points = (
            VGroup(
                Text("• a derivative is a rate of change"),
                Text("• it is the slope of the tangent line"),
                Text("• for x², the slope at x is 2x"),
            )
            .arrange(DOWN, aligned_edge=LEFT)
            .scale(0.7)
        )
        self.play(LaggedStart(*[FadeIn(p, shift=RIGHT * 0.3) for p in points], lag_ratio=0.4))
        self.wait(1)
