"""The video pipeline end to end: synthetic clips in, the output inspected with ffmpeg (and Chromium)."""
from __future__ import annotations

import os
import re
import subprocess
import threading
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from nogan.video import (FFmpegError, InvalidVideoError, VideoCancelled, VideoLimits, VideoTooLargeError,
                         colorize_video, flicker_score, is_video_path, probe)
from nogan.video.io import FrameReader
from nogan.video.probe import ffmpeg_exe

NTSC = Fraction(24000, 1001)
RF = 4  # the tiny model's smallest sensible render factor: fast


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """The tiny model's small operations are faster on one thread, and do not stall at every
    thread barrier when other work holds the second core (up to 90x slower on the shared CI box)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def ffmpeg(*args: str, input: bytes | None = None) -> str:
    done = subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", *args], input=input, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    return done.stdout.decode() + done.stderr.decode()


def make_clip(path: Path, frames: list[np.ndarray] | None = None, *, seconds: float = 1.0, size=(64, 48),
              fps: str = "24000/1001", sound: bool = True, video: tuple[str, ...] = ("-c:v", "libx264"),
              audio: tuple[str, ...] = ("-c:a", "aac")) -> Path:
    """A clip of grey `frames` (H x W uint8) or of ffmpeg's test pattern, with a 440 Hz tone."""
    if frames is None:
        source = ["-f", "lavfi", "-i", f"testsrc2=size={size[0]}x{size[1]}:rate={fps}:duration={seconds}"]
        data = None
    else:
        height, width = frames[0].shape
        source = ["-f", "rawvideo", "-pix_fmt", "gray", "-s", f"{width}x{height}", "-framerate", fps, "-i", "-"]
        data, seconds = b"".join(f.tobytes() for f in frames), len(frames) / Fraction(fps)
    tone = ["-f", "lavfi", "-i", f"sine=frequency=440:duration={float(seconds)}"] if sound else []
    ffmpeg(*source, *tone, *video, *(audio if sound else ()), str(path), input=data)
    return path


def decode(path: Path, stream: str = "v") -> tuple[int, float]:
    """(frames, seconds) of `path`'s first video ("v") or audio ("a") stream, as ffmpeg decodes it."""
    log = ffmpeg("-i", str(path), "-map", f"0:{stream}:0", "-f", "null", "-", "-progress", "pipe:1")
    frames, micros = ([0, *map(int, re.findall(rf"^{key}=(\d+)", log, re.M))][-1] for key in ("frame", "out_time_us"))
    return frames, micros / 1e6


def ffmpeg_children() -> list[int]:
    """Live ffmpeg processes started by this test process (Linux /proc)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, rest = stat.read_text().rsplit(")", 1)
        except OSError:
            continue
        fields = rest.split()
        if "ffmpeg" in name and int(fields[1]) == os.getpid() and fields[0] != "Z":
            pids.append(int(stat.parent.name))
    return pids


def test_mp4_keeps_frames_rate_duration_and_sound(tiny_colorizer, tmp_path):
    src = make_clip(tmp_path / "in.mp4", seconds=1.5, size=(96, 64))
    calls = []
    result = colorize_video(src, tmp_path / "out.mp4", tiny_colorizer, RF, progress=lambda *a: calls.append(a))
    info = probe(result.path)
    assert (info.codec, info.pix_fmt, info.fps, info.size) == ("h264", "yuv420p", NTSC, (96, 64))
    assert decode(result.path)[0] == result.frames == 36
    assert abs(result.duration - 1.5) < 1 / 24 and abs(info.duration - probe(src).duration) < 1 / 24
    assert info.audio_codec == "aac" and result.audio == "copy" and abs(decode(result.path, "a")[1] - 1.5) < 0.05
    data = result.path.read_bytes()
    assert -1 < data.find(b"moov") < data.find(b"mdat")  # +faststart: the index comes first
    done = [c[0] for c in calls]  # keyframes every 2nd frame on a CPU: frames complete in uneven steps
    assert done == sorted(done) and done[-1] == 36 and len(done) >= 4 and all(c[1] == 36 for c in calls)
    assert all(eta >= 0 for *_, eta in calls) and calls[-1][2] == 0
    assert sorted(os.listdir(tmp_path)) == ["in.mp4", "out.mp4"]


@pytest.mark.parametrize("name, video, audio, mode", [
    ("in.mov", ("-c:v", "libx264"), ("-c:a", "aac"), "copy"),
    ("in.mkv", ("-c:v", "libx264"), ("-c:a", "libmp3lame"), "copy"),
    ("in.avi", ("-c:v", "mpeg4"), ("-c:a", "pcm_s16le"), "aac"),
    ("in.webm", ("-c:v", "libvpx"), ("-c:a", "libopus"), "aac"),
    ("in.gif", (), None, None),
])
def test_containers(tiny_colorizer, tmp_path, name, video, audio, mode):
    src = make_clip(tmp_path / name, sound=audio is not None, video=video, audio=audio or ())
    assert is_video_path(src)
    result = colorize_video(src, tmp_path / "out.mp4", tiny_colorizer, RF)
    info = probe(result.path)
    assert decode(result.path)[0] == result.frames == 24 and info.fps == NTSC
    assert result.audio == mode and (info.audio_codec is None) == (mode is None)
    assert mode is None or abs(decode(result.path, "a")[1] - 1.0) < 0.05
    assert any("re-encoded" in note for note in result.notes) == (mode == "aac")


def test_rotation_becomes_upright_frames(tiny_colorizer, tmp_path):
    plain = make_clip(tmp_path / "plain.mp4", size=(64, 48))
    rotated = tmp_path / "rotated.mp4"
    ffmpeg("-display_rotation", "90", "-i", str(plain), "-c", "copy", str(rotated))
    assert probe(rotated).size == (48, 64)
    info = probe(colorize_video(rotated, tmp_path / "out.mp4", tiny_colorizer, RF).path)
    assert info.coded_size == info.size == (48, 64)  # turned in the pixels, no rotation flag left


@pytest.mark.parametrize("size, video, expected", [
    ((64, 48), ("-vf", "setsar=4/3", "-c:v", "libx264"), (86, 48)),  # anamorphic: 16:9 on screen
    ((64, 48), ("-vf", "scale=65:49", "-c:v", "ffv1"), (64, 48)),  # odd sides: yuv420p needs even ones
])
def test_display_aspect_ratio_in_square_even_pixels(tiny_colorizer, tmp_path, size, video, expected):
    src = make_clip(tmp_path / "in.mkv", size=size, video=video, sound=False)
    result = colorize_video(src, tmp_path / "out.mp4", tiny_colorizer, RF)
    assert result.size == probe(result.path).size == expected and result.notes


def test_late_video_start_keeps_sound_in_sync(tiny_colorizer, tmp_path):
    plain = make_clip(tmp_path / "plain.mp4")
    late = tmp_path / "late.mp4"
    ffmpeg("-itsoffset", "0.5", "-i", str(plain), "-i", str(plain), "-map", "0:v", "-map", "1:a", "-c", "copy",
           str(late))
    info = probe(colorize_video(late, tmp_path / "out.mp4", tiny_colorizer, RF).path)
    assert abs(info.start - 0.5) < 1 / 24 and abs(info.duration - probe(late).duration) < 1 / 24


def test_variable_frame_rate_becomes_constant(tiny_colorizer, tmp_path):
    plain = make_clip(tmp_path / "plain.mp4", seconds=2, sound=False)
    vfr = tmp_path / "vfr.mp4"
    ffmpeg("-i", str(plain), "-vf", "select='not(between(n,10,20))'", "-fps_mode", "vfr", str(vfr))
    assert decode(vfr)[0] == 37
    result = colorize_video(vfr, tmp_path / "out.mp4", tiny_colorizer, RF)
    assert decode(result.path)[0] == result.frames == 48 and probe(result.path).fps == NTSC


class FlickeringColorizer:
    """The tiny model plus a random colour cast on every frame: DeOldify's flicker at a size that
    survives H.264 (the tiny model's own flicker is below what the encoder keeps)."""

    def __init__(self, colorizer, amplitude: float = 8.0):
        self.info, self.device = colorizer.info, colorizer.device
        self._colorizer, self._amplitude = colorizer, amplitude
        self._rng = np.random.default_rng(0)

    def colorize_batch(self, frames, render_factor=None, post_process=True):
        out = []
        for frame in self._colorizer.colorize_batch(frames, render_factor, post_process):
            yuv = cv2.cvtColor(frame, cv2.COLOR_RGB2YUV).astype(np.float32)
            yuv[:, :, 1:] += self._rng.uniform(-self._amplitude, self._amplitude, 2)
            out.append(cv2.cvtColor(np.clip(yuv + 0.5, 0, 255).astype(np.uint8), cv2.COLOR_YUV2RGB))
        return out


def scene(bright_right: bool = False, size=(96, 64)) -> np.ndarray:
    """A smooth grey picture; `bright_right` changes only its right half."""
    width, height = size
    y, x = np.mgrid[0:height, 0:width]
    picture = 90 + 50 * np.sin(x / 6) * np.cos(y / 5)
    picture[:, width // 2:] += 100 if bright_right else -40
    return np.clip(picture, 0, 255)


def noisy(picture: np.ndarray, count: int, seed: int = 0, sigma: float = 3.0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [np.clip(picture + rng.normal(0, sigma, picture.shape), 0, 255).astype(np.uint8) for _ in range(count)]


def decoded(path: Path) -> list[np.ndarray]:
    with FrameReader(path, probe(path)) as reader:
        return list(reader)


def test_stabilization_halves_flicker_of_a_still_scene(tiny_colorizer, tmp_path):
    src = make_clip(tmp_path / "still.mp4", noisy(scene(), 24), video=("-c:v", "libx264", "-crf", "12"))
    scores = {}
    for strength in (0.0, 0.5):
        out = colorize_video(src, tmp_path / f"out{strength}.mp4", FlickeringColorizer(tiny_colorizer), RF,
                             stabilization=strength, keyframe_interval=1)
        scores[strength] = flicker_score(decoded(out.path))
    assert scores[0.5] <= 0.5 * scores[0.0], scores


def test_new_shot_starts_from_its_own_colours(tiny_colorizer, tmp_path):
    # the left half is the same picture in both shots: only the cut stops colour carrying over there
    shots = noisy(scene(), 16, seed=1) + noisy(scene(bright_right=True), 16, seed=2)
    src = make_clip(tmp_path / "cut.mp4", shots, fps="24", video=("-c:v", "libx264", "-crf", "12"))
    runs = {s: colorize_video(src, tmp_path / f"out{s}.mp4", FlickeringColorizer(tiny_colorizer), RF,
                              stabilization=s, keyframe_interval=1) for s in (0.0, 0.5)}
    assert runs[0.5].scene_cuts == 1 and runs[0.0].scene_cuts == 0
    plain, smoothed = ([cv2.cvtColor(f, cv2.COLOR_RGB2YUV)[:, :, 1:].astype(float) for f in decoded(runs[s].path)]
                       for s in (0.0, 0.5))
    change = [np.abs(a - b).mean() for a, b in zip(plain, smoothed)]  # chroma levels, per frame
    assert change[16] < 1.0 and np.mean(change[1:16]) > 2.0  # smoothed within the shot, not across the cut


def test_on_a_cpu_the_model_colours_every_other_frame_of_a_pan(tiny_colorizer, tmp_path):
    wide = np.hstack([scene(), scene(bright_right=True), scene()])
    pan = [np.ascontiguousarray(wide[:, 2 * i:2 * i + 96]).astype(np.uint8) for i in range(24)]
    src = make_clip(tmp_path / "pan.mp4", pan, video=("-c:v", "libx264", "-crf", "12"))
    result = colorize_video(src, tmp_path / "out.mp4", tiny_colorizer, RF)
    assert decode(result.path)[0] == result.frames == 24 and result.model_frames <= 14
    assert colorize_video(src, tmp_path / "every.mp4", tiny_colorizer, RF, keyframe_interval=1).model_frames == 24


@pytest.mark.parametrize("kind, error", [
    ("garbage", "in.mp4 is not a video we can read"),
    ("truncated", "in.mp4 is not a video we can read [(]moov atom not found"),
    ("sound only", "in.wav has no video stream"),
])
def test_unreadable_inputs(tiny_colorizer, tmp_path, kind, error):
    src = tmp_path / ("in.wav" if kind == "sound only" else "in.mp4")
    if kind == "garbage":
        src.write_bytes(b"not a video at all")
    elif kind == "truncated":
        src.write_bytes(make_clip(tmp_path / "whole.mp4").read_bytes()[:3000])
    else:
        ffmpeg("-f", "lavfi", "-i", "sine=duration=1", str(src))
    with pytest.raises(InvalidVideoError, match=error):
        colorize_video(src, tmp_path / "out" / "out.mp4", tiny_colorizer, RF)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("limits, error", [
    (VideoLimits(max_duration_s=0.5), "lasts 1.0 s"),
    (VideoLimits(max_pixels=64 * 47), "64x48 pixels"),
    (VideoLimits(max_file_bytes=100), "MiB"),
])
def test_limits(tiny_colorizer, tmp_path, limits, error):
    src = make_clip(tmp_path / "in.mp4")
    with pytest.raises(VideoTooLargeError, match=error):
        colorize_video(src, tmp_path / "out.mp4", tiny_colorizer, RF, limits=limits)
    assert os.listdir(tmp_path) == ["in.mp4"]


@pytest.mark.parametrize("dst, kwargs, error", [
    ("in.mp4", {}, "is the input video"),
    ("out.mkv", {}, "must end with .mp4"),
    ("out.mp4", {"stabilization": 1.5}, "stabilization=1.5"),
    ("out.mp4", {"keyframe_interval": 0}, "keyframe_interval=0"),
    ("out.mp4", {"batch_size": 0}, "batch_size=0"),
    ("out.mp4", {"render_factor": 0}, "render_factor=0"),
])
def test_bad_arguments(tiny_colorizer, tmp_path, dst, kwargs, error):
    src = make_clip(tmp_path / "in.mp4", sound=False)
    kwargs = {"render_factor": RF, **kwargs}
    with pytest.raises(ValueError, match=error):
        colorize_video(src, tmp_path / dst, tiny_colorizer, **kwargs)
    assert os.listdir(tmp_path) == ["in.mp4"]


@pytest.mark.parametrize("use_event", [True, False])
def test_cancel_stops_promptly_and_leaves_nothing(tiny_colorizer, tmp_path, use_event):
    src = make_clip(tmp_path / "in.mp4", seconds=3)
    (tmp_path / "out.mp4").write_bytes(b"previous result")
    event, seen = threading.Event(), []

    def progress(done, total, eta):
        seen.append(done)
        event.set()
    cancel = event if use_event else event.is_set
    with pytest.raises(VideoCancelled):
        colorize_video(src, tmp_path / "out.mp4", tiny_colorizer, RF, batch_size=2, progress=progress, cancel=cancel)
    assert len(seen) == 1 and seen[0] < 8  # stopped at the first check after the request
    assert sorted(os.listdir(tmp_path)) == ["in.mp4", "out.mp4"]
    assert (tmp_path / "out.mp4").read_bytes() == b"previous result"  # replaced only on success
    assert ffmpeg_children() == []


class BrokenColorizer:
    def __init__(self, colorizer):
        self.info, self.device, self._colorizer, self.calls = colorizer.info, colorizer.device, colorizer, 0

    def colorize_batch(self, frames, render_factor=None, post_process=True):
        self.calls += 1
        if self.calls == 3:
            raise RuntimeError("the model broke")
        return self._colorizer.colorize_batch(frames, render_factor, post_process)


def test_failure_midway_cleans_up(tiny_colorizer, tmp_path):
    src = make_clip(tmp_path / "in.mp4")
    with pytest.raises(RuntimeError, match="the model broke"):
        colorize_video(src, tmp_path / "out.mp4", BrokenColorizer(tiny_colorizer), RF)
    assert os.listdir(tmp_path) == ["in.mp4"] and ffmpeg_children() == []


def test_encoder_failure_is_reported(tiny_colorizer, tmp_path, monkeypatch):
    src = make_clip(tmp_path / "in.mp4", sound=False)
    monkeypatch.setattr("nogan.video.io.X264_PRESET", "no-such-preset")
    with pytest.raises(FFmpegError, match="encoding"):
        colorize_video(src, tmp_path / "out.mp4", tiny_colorizer, RF)
    assert os.listdir(tmp_path) == ["in.mp4"] and ffmpeg_children() == []


def test_plays_in_chromium(tiny_colorizer, tmp_path, chromium):
    from playwright import sync_api

    result = colorize_video(make_clip(tmp_path / "in.webm", seconds=2, video=("-c:v", "libvpx"),
                                      audio=("-c:a", "libopus")), tmp_path / "out.mp4", tiny_colorizer, RF)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=["--no-sandbox"])
        page = browser.new_page()
        page.route("http://test/out.mp4", lambda route: route.fulfill(path=result.path, content_type="video/mp4"))
        page.route("http://test/", lambda route: route.fulfill(body="<video muted src='out.mp4'></video>",
                                                               content_type="text/html"))
        page.goto("http://test/")
        state = page.evaluate("""() => new Promise(done => {
            const v = document.querySelector('video');
            const report = () => done({error: v.error && v.error.code, width: v.videoWidth, height: v.videoHeight,
                                       duration: v.duration, time: v.currentTime});
            v.ontimeupdate = () => v.currentTime > 0.3 && report();
            v.play().catch(report);
            setTimeout(report, 15000); })""")
        browser.close()
    assert state["error"] is None and state["time"] > 0.3, state  # it plays, sound and all
    assert (state["width"], state["height"]) == result.size and abs(state["duration"] - 2.0) < 0.1
