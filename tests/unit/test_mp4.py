"""renderers.mp4: a video track read from the index, and faststart, against ffmpeg's own view.

Real files come from ffmpeg (its test source, encoded with libx264 as the farm's chunks are);
ffprobe and framemd5 are the reference the pure-Python reader and rewriter must agree with.
"""

from __future__ import annotations

import random
import struct
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

from renderers import frame_hashes, probe_video
from renderers.mp4 import Mp4Error, faststart, is_faststart, top_level_boxes, video_track


def _video(path: Path, *, rate: int = 15, frames: int = 20, fast: bool = False) -> Path:
    source = f"testsrc2=size=176x144:rate={rate}"
    argv = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", source]
    argv += ["-frames:v", str(frames), "-c:v", "libx264", "-pix_fmt", "yuv420p"]
    argv += (["-movflags", "+faststart"] if fast else []) + [str(path)]
    subprocess.run(argv, check=True, timeout=60)
    return path


def _with_audio(path: Path) -> Path:
    argv = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=rate=30"]
    argv += ["-f", "lavfi", "-i", "sine=frequency=440", "-t", "1", "-c:v", "libx264"]
    argv += ["-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)]
    subprocess.run(argv, check=True, timeout=60)
    return path


@pytest.mark.parametrize(("rate", "frames"), [(15, 20), (30, 7), (60, 1)])
def test_track_matches_ffprobe(tmp_path: Path, rate: int, frames: int) -> None:
    path = _video(tmp_path / "v.mp4", rate=rate, frames=frames)
    mine, ffprobe = video_track(path), probe_video(path)
    assert (mine.codec, mine.width, mine.height) == ("h264", 176, 144)
    assert (mine.fps, mine.frames) == (Fraction(rate), frames)
    assert (mine.codec, mine.width, mine.height, mine.fps, mine.frames) == (
        ffprobe.codec,
        ffprobe.width,
        ffprobe.height,
        ffprobe.fps,
        ffprobe.frames,
    )


def test_video_track_is_found_beside_audio(tmp_path: Path) -> None:
    path = _with_audio(tmp_path / "av.mp4")
    assert video_track(path).frames == probe_video(path).frames == 30


def test_faststart_moves_the_index_and_keeps_every_frame(tmp_path: Path) -> None:
    slow = _video(tmp_path / "slow.mp4", frames=30)
    assert not is_faststart(slow)
    fast = faststart(slow, tmp_path / "fast.mp4")
    assert is_faststart(fast)
    assert sorted(top_level_boxes(fast)) == sorted(top_level_boxes(slow))
    assert fast.stat().st_size == slow.stat().st_size
    assert frame_hashes(fast) == frame_hashes(slow)
    assert probe_video(fast).frames == 30


def test_faststart_keeps_audio_and_video(tmp_path: Path) -> None:
    slow = _with_audio(tmp_path / "av.mp4")
    fast = faststart(slow, tmp_path / "fast.mp4")
    argv = ["ffmpeg", "-nostdin", "-v", "error", "-i", "{}", "-f", "framemd5", "-"]
    hashes = [
        subprocess.run(
            [a.replace("{}", str(p)) for a in argv], capture_output=True, text=True, check=True
        ).stdout
        for p in (slow, fast)
    ]
    assert hashes[0] == hashes[1]
    assert any(line.startswith("1,") for line in hashes[0].splitlines())  # audio is there too


def test_faststart_of_a_streaming_file_is_a_copy(tmp_path: Path) -> None:
    fast = _video(tmp_path / "f.mp4", fast=True)
    copy = faststart(fast, tmp_path / "copy.mp4")
    assert copy.read_bytes() == fast.read_bytes()


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def _full(kind: bytes, *fields: int, wide: bool = False) -> bytes:
    fmt = ">I" + ("Q" if wide else "I") * len(fields)
    return _box(kind, struct.pack(">I", 0) + struct.pack(fmt[0] + fmt[2:], *fields))


def _synthetic(tmp_path: Path, table: bytes, media: bytes) -> Path:
    stbl = _box(b"stbl", table)
    trak = _box(b"trak", _box(b"mdia", _box(b"minf", stbl)))
    head = _box(b"ftyp", b"isom")
    path = tmp_path / "s.mp4"
    path.write_bytes(head + _box(b"mdat", media) + _box(b"moov", trak))
    return path


@pytest.mark.parametrize("wide", [False, True])
def test_chunk_offsets_shift_by_the_index_size(tmp_path: Path, wide: bool) -> None:
    media = b"AAAABBBBCCCC"
    at = 12 + 8  # ftyp box, then the mdat header
    offsets = (at, at + 4, at + 8)
    kind = b"co64" if wide else b"stco"
    table = _box(kind, struct.pack(">II", 0, 3) + struct.pack(">QQQ" if wide else ">III", *offsets))
    path = _synthetic(tmp_path, table, media)
    out = faststart(path, tmp_path / "out.mp4").read_bytes()
    assert top_level_boxes(tmp_path / "out.mp4") == ["ftyp", "moov", "mdat"]
    start = out.index(kind) + 12  # past the type, version and flags, and the entry count
    moved = struct.unpack(">QQQ" if wide else ">III", out[start : start + (24 if wide else 12)])
    assert [out[o : o + 4] for o in moved] == [b"AAAA", b"BBBB", b"CCCC"]


def test_a_table_longer_than_its_box_is_refused(tmp_path: Path) -> None:
    table = _box(b"stco", struct.pack(">II", 0, 1000) + struct.pack(">I", 20))
    with pytest.raises(Mp4Error, match="truncated stco"):
        faststart(_synthetic(tmp_path, table, b"x" * 8), tmp_path / "out.mp4")


def test_no_video_track(tmp_path: Path) -> None:
    with pytest.raises(Mp4Error, match="no video track"):
        video_track(_synthetic(tmp_path, b"", b"x"))


def test_no_index(tmp_path: Path) -> None:
    path = tmp_path / "n.mp4"
    path.write_bytes(_box(b"ftyp", b"isom") + _box(b"mdat", b"x" * 10))
    with pytest.raises(Mp4Error, match="no moov"):
        video_track(path)
    with pytest.raises(Mp4Error, match="one moov"):
        faststart(path, tmp_path / "o.mp4")


def test_damaged_files_fail_cleanly(tmp_path: Path) -> None:
    """Sandboxed code writes these files: any damage is an Mp4Error or a plausible reading,
    never another exception, a hang or a huge allocation."""
    good = _video(tmp_path / "g.mp4", frames=10).read_bytes()
    moov = good.rindex(b"moov") - 4
    rng = random.Random(7)
    bad = tmp_path / "bad.mp4"
    for _ in range(300):
        data = bytearray(good)
        for _ in range(rng.randint(1, 6)):
            data[rng.randrange(moov, len(data))] = rng.randrange(256)
        bad.write_bytes(bytes(data[: rng.choice([len(data), rng.randrange(moov, len(data))])]))
        try:
            info = video_track(bad)
            faststart(bad, tmp_path / "out.mp4")
        except Mp4Error:
            continue
        assert info.frames >= 0 and info.fps > 0


def test_an_empty_header_box_is_an_mp4_error(tmp_path: Path) -> None:
    """Index arithmetic past a box's end (here an mdhd with no body, last in the moov) must
    fail as Mp4Error, so callers fall back or refuse, never crash."""
    entry = _box(b"avc1", bytes(24) + struct.pack(">HH", 176, 144) + bytes(50))
    stbl = _box(
        b"stbl",
        _box(b"stsd", struct.pack(">II", 0, 1) + entry)
        + _box(b"stts", struct.pack(">III", 0, 1, 1) + struct.pack(">I", 1024))
        + _box(b"stsz", struct.pack(">III", 0, 1, 1)),
    )
    hdlr = _box(b"hdlr", bytes(8) + b"vide" + bytes(12))
    mdia = _box(b"mdia", hdlr + _box(b"minf", stbl) + _box(b"mdhd", b""))
    path = tmp_path / "e.mp4"
    path.write_bytes(
        _box(b"ftyp", b"isom") + _box(b"mdat", b"x") + _box(b"moov", _box(b"trak", mdia))
    )
    with pytest.raises(Mp4Error):
        video_track(path)
