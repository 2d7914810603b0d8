"""renderers.mp4join: joining parts in plain Python gives what ffmpeg's concat gives.

Parts are real x264 encodes (B-frames, an edit list, composition offsets: what Manim writes);
ffmpeg's concat demuxer with stream copy is the reference for frames and packet timing.
"""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pytest

from renderers import concat, frame_hashes, is_faststart, probe_video
from renderers.mp4 import Mp4Error, video_track
from renderers.mp4join import JoinUnsupported, join


def _part(path: Path, frames: int, offset: int = 0, size: str = "176x144") -> Path:
    source = f"testsrc2=size={size}:rate=15,trim=start_frame={offset}"
    argv = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", source]
    argv += ["-frames:v", str(frames), "-c:v", "libx264", "-pix_fmt", "yuv420p", str(path)]
    subprocess.run(argv, check=True, timeout=60)
    return path


def _ffmpeg_concat(parts: list[Path], out: Path) -> Path:
    listing = out.with_suffix(".txt")
    listing.write_text("".join(f"file '{p}'\n" for p in parts))
    argv = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "concat", "-safe", "0"]
    argv += ["-i", str(listing), "-c", "copy", "-map", "0", str(out)]
    subprocess.run(argv, check=True, timeout=60)
    return out


def _packets(path: Path) -> list[str]:
    argv = ["ffprobe", "-v", "error", "-show_entries", "packet=pts,dts,duration,flags"]
    argv += ["-of", "csv", str(path)]
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout.splitlines()


def _shown(path: Path) -> list[tuple[int, bool]]:
    """(pts, keyframe) of every packet, in presentation order."""
    rows = [line.split(",") for line in _packets(path)]
    return sorted((int(r[1]), r[4].startswith("K")) for r in rows)


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    tmp = tmp_path_factory.mktemp("parts")
    return [_part(tmp / f"{i}.mp4", n, i * 40) for i, n in enumerate((30, 45, 7, 1))]


def test_joined_parts_equal_ffmpeg_concat(parts: list[Path], tmp_path: Path) -> None:
    mine = join(parts, tmp_path / "mine.mp4")
    reference = _ffmpeg_concat(parts, tmp_path / "ffmpeg.mp4")
    assert is_faststart(mine)
    assert frame_hashes(mine) == frame_hashes(reference)
    # Presentation: every frame one frame after the last, keyframes where ffmpeg has them.
    # (ffmpeg's own join rounds each part's length to the millisecond: its later parts start a
    # few ticks late; this one's stay on the frame grid.)
    shown, expected = _shown(mine), _shown(reference)
    assert [pts for pts, _ in shown] == [i * 1024 for i in range(len(shown))]
    assert [key for _, key in shown] == [key for _, key in expected]
    assert video_track(mine).frames == probe_video(mine).frames == 30 + 45 + 7 + 1


def test_one_part_is_itself_with_the_index_first(parts: list[Path], tmp_path: Path) -> None:
    mine = join(parts[1:2], tmp_path / "one.mp4")
    assert is_faststart(mine) and not is_faststart(parts[1])
    assert frame_hashes(mine) == frame_hashes(parts[1])
    assert _packets(mine) == _packets(parts[1])


def test_different_encodings_are_left_to_ffmpeg(parts: list[Path], tmp_path: Path) -> None:
    other = _part(tmp_path / "big.mp4", 5, size="320x240")
    with pytest.raises(JoinUnsupported, match="codec configurations"):
        join([parts[0], other], tmp_path / "x.mp4")


def test_audio_is_left_to_ffmpeg_and_concat_still_joins(tmp_path: Path) -> None:
    with_audio = tmp_path / "av.mp4"
    argv = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=rate=15"]
    argv += ["-f", "lavfi", "-i", "sine", "-t", "1", "-c:v", "libx264", "-pix_fmt", "yuv420p"]
    subprocess.run([*argv, "-c:a", "aac", "-shortest", str(with_audio)], check=True, timeout=60)
    with pytest.raises(JoinUnsupported, match="smhd"):  # the audio track's header
        join([with_audio, with_audio], tmp_path / "x.mp4")
    joined = concat([with_audio, with_audio], tmp_path / "joined.mp4")  # through ffmpeg
    assert probe_video(joined).frames == 2 * probe_video(with_audio).frames


def test_concat_uses_the_join(parts: list[Path], tmp_path: Path) -> None:
    """No ffmpeg for the farm's own parts: the output is byte for byte join's."""
    joined = concat(parts, tmp_path / "c.mp4")
    assert joined.read_bytes() == join(parts, tmp_path / "j.mp4").read_bytes()


def test_damaged_parts_fail_cleanly(parts: list[Path], tmp_path: Path) -> None:
    """Parts come from sandboxed code: damage is an Mp4Error, or a join that ffmpeg can read,
    never another exception."""
    good = parts[0].read_bytes()
    moov = good.rindex(b"moov") - 4
    rng = random.Random(11)
    bad = tmp_path / "bad.mp4"
    for _ in range(300):
        data = bytearray(good)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(moov, len(data))] = rng.randrange(256)
        bad.write_bytes(bytes(data))
        try:
            joined = join([parts[1], bad], tmp_path / "out.mp4")
        except Mp4Error:
            continue
        read = subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "format=duration", str(joined)],
            capture_output=True,
            text=True,
        )
        assert read.returncode == 0, read.stderr


def test_a_truncated_header_is_an_mp4_error(parts: list[Path], tmp_path: Path) -> None:
    data = bytearray(parts[0].read_bytes())
    at = data.index(b"mvhd") - 4
    data[at : at + 4] = (8).to_bytes(4, "big")  # an mvhd box with no body
    # the moov keeps its size: the rest of the old mvhd becomes a user-data box (never parsed)
    rest = int.from_bytes(parts[0].read_bytes()[at : at + 4], "big") - 8
    data[at + 8 : at + 16] = rest.to_bytes(4, "big") + b"udta"
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(bytes(data))
    with pytest.raises(Mp4Error):
        join([bad, parts[1]], tmp_path / "out.mp4")
