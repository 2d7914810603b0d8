"""Knowing an engine: probe scenes, plan chunks, render one chunk, stitch media, posters."""

from renderers.cache_keys import chunk_key, file_key, plan_key, probe_key, scene_fingerprint
from renderers.chunking import (
    ChunkPolicy,
    balanced_ranges,
    chunk_cost_s,
    chunk_target,
    plan_lesson,
    plan_scene,
    plan_scouted,
    scout_budget,
)
from renderers.errors import ChunkRenderError, RenderError, SceneCodeError, StitchError
from renderers.estimate import scene_seconds
from renderers.manim_renderer import ManimRenderer
from renderers.models import (
    AnimationInfo,
    ChunkSpec,
    RenderedChunk,
    SceneProbe,
    SceneSource,
    ScoutSpec,
)
from renderers.mp4 import is_faststart
from renderers.poster import ensure_faststart, extract_poster
from renderers.protocol import Renderer
from renderers.quality import PRESETS, Quality
from renderers.stitch import VideoInfo, concat, frame_hashes, probe_video

__all__ = [
    "PRESETS",
    "AnimationInfo",
    "ChunkPolicy",
    "ChunkRenderError",
    "ChunkSpec",
    "ManimRenderer",
    "Quality",
    "RenderError",
    "RenderedChunk",
    "Renderer",
    "SceneCodeError",
    "SceneProbe",
    "SceneSource",
    "ScoutSpec",
    "StitchError",
    "VideoInfo",
    "balanced_ranges",
    "chunk_cost_s",
    "chunk_key",
    "chunk_target",
    "concat",
    "ensure_faststart",
    "extract_poster",
    "file_key",
    "frame_hashes",
    "is_faststart",
    "plan_key",
    "plan_lesson",
    "plan_scene",
    "plan_scouted",
    "probe_key",
    "probe_video",
    "scene_fingerprint",
    "scene_seconds",
    "scout_budget",
]
