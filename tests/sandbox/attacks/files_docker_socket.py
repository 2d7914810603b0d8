"""A1/H3: talk to the Docker daemon through its socket."""

import socket

from manim import Scene


class FilesDockerSocket(Scene):
    def construct(self):
        for path in ("/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock"):
            s = socket.socket(socket.AF_UNIX)
            try:
                s.connect(path)
            except FileNotFoundError:
                continue
            s.sendall(b"GET /containers/json HTTP/1.0\r\n\r\n")
            raise RuntimeError(f"ESCAPED: {path} answered {s.recv(200)!r}")
        raise FileNotFoundError("no docker or containerd socket in the sandbox")
