"""The layering holds on the real tree, and the checker catches each kind of violation."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.layering import check_module, check_tree, layer_of

ROOT = Path(__file__).resolve().parents[2]


def test_the_tree_keeps_its_layers() -> None:
    violations = check_tree(ROOT)
    assert not violations, "\n".join(map(str, violations))


@pytest.mark.parametrize(
    ("module", "source", "rule"),
    [
        ("sandbox.bwrap", "from renderers import Quality\n", "import points up"),
        ("renderers.stitch", "import scenes.models\n", "import points up"),
        (
            "cluster.delivery.publish",
            "from cluster.farm.report import LessonReport\n",
            "import points up",
        ),
        ("cluster.farm.coordinator", "from cluster.lessons import Studio\n", "import points up"),
        (
            "cluster.farm.worker",
            "def f():\n    from cluster.jobs.store import JobStore\n",
            "import points up",
        ),
        ("cluster.lessons.studio", "from cluster import jobs\n", "import points up"),
        ("cluster.jobs.runner", "from api.settings import Settings\n", "import points up"),
        ("cluster.farm.pool", "import ray\n", "ray outside its wrapper"),
        (
            "api.routes.health",
            "from ray.exceptions import RayActorError\n",
            "ray outside its wrapper",
        ),
        ("sandbox.warm", "import os\nx = os.environ.get('A')\n", "environment read"),
        ("cluster.farm.ray_head", "import os\nx = os.getenv('A')\n", "environment read"),
        ("api.cli", "from os import environ\n", "environment read"),
    ],
)
def test_each_kind_of_violation_is_caught(module: str, source: str, rule: str) -> None:
    assert [v.rule for v in check_module(module, source)] == [rule]


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("cluster.jobs.runner", "from cluster.lessons.studio import Studio\n"),
        (
            "cluster.lessons.studio",
            "from cluster.farm import Farm\nfrom cluster.delivery import publish_lesson\n",
        ),
        ("cluster.farm.cache", "from cluster.delivery.storage import Storage\n"),
        ("cluster.farm.ray_api", "import ray\n"),
        ("api.settings", "import os\nx = os.environ\n"),
        ("renderers.guest.manim_entry", "import os\nx = os.environ\n"),
        ("scenes.generate", "from renderers import Quality\nfrom sandbox import SandboxLimits\n"),
    ],
)
def test_what_the_layers_allow_passes(module: str, source: str) -> None:
    assert check_module(module, source) == []


def test_rooms_rank_in_order() -> None:
    ranks = [
        layer_of(m)
        for m in (
            "sandbox",
            "renderers.x",
            "scenes",
            "cluster.delivery.y",
            "cluster.farm",
            "cluster.lessons.z",
            "cluster.jobs",
            "api.cli",
        )
    ]
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)
