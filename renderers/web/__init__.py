"""The web engine: React scenes on our own runtime, rendered in sandboxed headless Chromium."""

from renderers.web.renderer import WebRenderer
from renderers.web.timeline import Composition

__all__ = ["Composition", "WebRenderer"]
