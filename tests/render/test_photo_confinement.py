"""A seat's photo is a path that comes with the TableState, from whoever produced it: under a run policy it is read
only inside the graph's storage, the HTTP still API reads none, and a device or pipe named as a photo is never
opened (it would hang the renderer)."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import numpy as np
from ggpgfx.nodes.render.overlay import Overlay
from PIL import Image

from ggpgfx.media.frames import VideoFrame
from ggpgfx.media.pattern import bars_planes
from ggpgfx.policy import RunPolicy
from ggpgfx.render import draw
from ggpgfx.render.options import OverlayOptions
from ggpgfx.render.samples import sample_state
from ggpgfx.render.scene import Scene
from ggpgfx.testing import NodeHarness

GREEN = (10, 200, 30)


def _photo(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (64, 64), GREEN).save(folder / "face.png")
    return folder / "face.png"


def _policy(storage: Path) -> RunPolicy:
    return RunPolicy(read_roots=(storage,), write_roots=(storage,), base=storage)


def test_a_photo_outside_the_storage_is_not_read(tmp_path: Path) -> None:
    storage, secret = tmp_path / "storage", _photo(tmp_path / "other-tenant")
    own = _photo(storage)
    scene = Scene(OverlayOptions(animate=False), 1280, 720)
    policy = _policy(storage)
    scene.photo_guard = lambda path: policy.check_path(path, "read")
    state = sample_state("preflop")
    state.seats[0].photo, state.seats[1].photo = str(secret), "face.png"  # relative: resolved in the storage
    scene.update(state, 0)
    assert scene.elements["seat:1"].key.photo is None  # type: ignore[attr-defined]
    assert scene.elements["seat:2"].key.photo == str(own.resolve())  # type: ignore[attr-defined]
    assert scene.allowed_photo(None) is None
    local = Scene(OverlayOptions(animate=False), 1280, 720)  # no policy (a local run): the path as given
    assert local.allowed_photo(str(secret)) == str(secret)


def _program(photo: str | None, storage: Path) -> VideoFrame:
    harness = NodeHarness(Overlay, {"in_place": False, "render_thread": "off", "animate": False}, setup=False)
    harness.node.context.policy = _policy(storage)
    harness.setup()
    state = sample_state("preflop")
    state.seats[0].photo = photo
    harness.send("state", state, 0)
    harness.send("video", VideoFrame(bars_planes(640, 360, "yuv420p"), "yuv420p", 640, 360, 0), 0)
    return list(harness.eos()["video"])[-1]


def test_the_overlay_node_draws_only_photos_its_policy_allows(tmp_path: Path) -> None:
    storage, secret = tmp_path / "storage", _photo(tmp_path / "other-tenant")
    _photo(storage)
    without = _program(None, storage)
    own, other = _program("face.png", storage), _program(str(secret), storage)
    assert not np.array_equal(own.planes[0], without.planes[0])  # its own photo is drawn
    assert all(np.array_equal(a, b) for a, b in zip(other.planes, without.planes, strict=True))  # another's is not


def test_a_pipe_named_as_a_photo_is_not_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "photo.png"
    os.mkfifo(fifo)
    result: list[Any] = []
    worker = threading.Thread(target=lambda: result.append(draw.load_image(fifo, 40, 40)), daemon=True)
    worker.start()
    worker.join(5)
    assert not worker.is_alive() and result == [None]  # Image.open on a FIFO would wait for a writer forever
    from ggpgfx.render.photos import photo_image

    assert photo_image(str(fifo), 40) is None
    assert draw.load_image(Path("/dev/zero"), 40, 40) is None


def test_a_decompression_bomb_draws_nothing(tmp_path: Path, monkeypatch: Any) -> None:
    photo = _photo(tmp_path)  # 64 x 64: over twice a limit of 100 pixels, so Pillow refuses to open it
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    assert draw.load_image(photo, 40, 40) is None
    from ggpgfx.render.photos import photo_image

    assert photo_image(str(photo), 40) is None


def test_the_policy_answers_kept_are_bounded(tmp_path: Path) -> None:
    from ggpgfx.render.scene import PHOTO_CHECKS

    scene = Scene(OverlayOptions(animate=False), 640, 360)
    policy = _policy(tmp_path)
    scene.photo_guard = lambda path: policy.check_path(path, "read")
    for index in range(PHOTO_CHECKS + 10):  # a producer sending a new path with every state
        assert scene.allowed_photo(f"/elsewhere/{index}.png") is None
    assert len(scene._photos) <= PHOTO_CHECKS
