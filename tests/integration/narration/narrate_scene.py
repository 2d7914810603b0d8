"""`python narrate_scene.py LESSON_DIR INDEX TEXT OUT.json`: Studio.narrate on a lesson
directory, on the farm the test's data dir runs (as `scenefarm edit` would run it), Claude at
ANTHROPIC_BASE_URL. Writes the report and the lesson record's new version to OUT.json.

A test helper run as its own process, like the CLI: the farm's Ray connection lives and ends
with it."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from api.farm_config import farm_config
from api.settings import Settings
from cluster.farm import Farm
from cluster.lessons.lesson_dir import LessonDir
from cluster.lessons.narration import NarrationConfig
from cluster.lessons.studio import Studio
from scenes import Claude, ClaudeConfig, GenerationOptions


def main() -> None:
    lesson_dir, index, text, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
    settings = Settings()
    options = argparse.Namespace(sandbox=None, timeout_s=None, memory_mb=None, workers=2)
    claude = Claude(
        ClaudeConfig(api_key="test-key", base_url=os.environ["ANTHROPIC_BASE_URL"], max_retries=0)
    )
    narration = NarrationConfig(cache_dir=settings.data_dir / "tts")
    with Farm(farm_config(options, settings)) as farm:
        studio = Studio(farm, claude, GenerationOptions(), lambda _: None, narration=narration)
        made = studio.narrate(LessonDir(Path(lesson_dir)), index, text)
        made.report.write(out)
    sys.stdout.flush()
    os._exit(0)  # as the CLI does: no waiting on the Ray connection's teardown


if __name__ == "__main__":
    main()
