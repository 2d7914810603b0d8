"""D9: inject keystrokes into a terminal (CVE-2017-5226)."""

import fcntl
import termios

from manim import Scene


class ProcTiocsti(Scene):
    def construct(self):
        for fd in (0, 1, 2):
            try:
                fcntl.ioctl(fd, termios.TIOCSTI, b"x")
            except OSError:
                continue
            raise RuntimeError(f"ESCAPED: TIOCSTI worked on fd {fd}")
        with open("/dev/tty", "wb") as tty:  # no controlling terminal: ENXIO
            fcntl.ioctl(tty.fileno(), termios.TIOCSTI, b"x")
        raise RuntimeError("ESCAPED: TIOCSTI worked on /dev/tty")
