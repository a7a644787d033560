"""publish.webrtc: an aiortc peer on 127.0.0.1 negotiates over WHEP and receives the preview frames."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest

from ggpgfx.api import Graph
from ggpgfx.media.pattern import read_counter
from ggpgfx.media.rtmp_server import free_port
from ggpgfx.runtime.run import start_run


async def _view(url: str, kinds: tuple[str, ...], enough: Callable[[dict[str, list]], bool],
                timeout_s: float) -> tuple[dict[str, list], str]:
    """A WHEP viewer (aiortc) receiving `kinds` until `enough(received)`; returns the frames and the answer."""
    from aiortc import RTCPeerConnection, RTCSessionDescription

    pc = RTCPeerConnection()
    for kind in kinds:
        pc.addTransceiver(kind, direction="recvonly")
    received: dict[str, list] = {kind: [] for kind in kinds}
    done = asyncio.Event()

    @pc.on("track")
    def on_track(track) -> None:  # type: ignore[no-untyped-def]
        async def pull() -> None:
            while not done.is_set():
                received[track.kind].append(await track.recv())
                if enough(received):
                    done.set()

        asyncio.ensure_future(pull())

    await pc.setLocalDescription(await pc.createOffer())
    async with httpx.AsyncClient(timeout=10) as client:
        for _ in range(100):  # the graph thread may still be starting the server
            try:
                reply = await client.post(url + "whep", content=pc.localDescription.sdp,
                                          headers={"Content-Type": "application/sdp"})
                break
            except httpx.ConnectError:
                await asyncio.sleep(0.1)
        assert reply.status_code == 201 and reply.headers["Location"].startswith("/whep/")
        await pc.setRemoteDescription(RTCSessionDescription(sdp=reply.text, type="answer"))
        try:
            await asyncio.wait_for(done.wait(), timeout_s)
        finally:
            await client.delete(url + reply.headers["Location"].lstrip("/"))
            await pc.close()
    return received, reply.text


async def _watch(url: str, want: int, timeout_s: float) -> tuple[list, str]:
    received, answer = await _view(url, ("video",), lambda got: len(got["video"]) >= want, timeout_s)
    return received["video"][:want], answer


@pytest.mark.network
@pytest.mark.parametrize("codec", ["vp8", "h264"])
def test_aiortc_peer_receives_preview_frames(codec: str) -> None:
    port = free_port()
    g = Graph("webrtc", fps=30)
    src = g.add("ingest.test_pattern", width=640, height=360, frames=150)
    rtc = g.add("publish.webrtc", id="rtc", port=port, width=320, loopback_only=True, codec=codec)
    src.video >> rtc.video
    handle = start_run(g.validate(), realtime=True)
    try:
        frames, answer = asyncio.run(_watch(f"http://127.0.0.1:{port}/", want=20, timeout_s=15))
    finally:
        result = handle.wait(30)
    assert result is not None and result.error is None
    rtpmap = [line for line in answer.splitlines() if line.startswith("a=rtpmap:")]
    assert rtpmap and codec.upper() in rtpmap[0].upper()  # the preferred codec was negotiated first
    assert len(frames) == 20 and (frames[-1].width, frames[-1].height) == (320, 180)
    counts = [read_counter(f.to_ndarray(format="gray")) for f in frames[-5:]]
    assert counts == sorted(counts) and counts[-1] > 0  # live, advancing frames
    assert result.instances["rtc"].server.viewers_total == 1


@pytest.mark.network
def test_audio_reaches_the_viewer_as_opus(audio_preview_graph: Callable[[int], Graph]) -> None:
    import numpy as np

    port = free_port()
    g = audio_preview_graph(port)
    handle = start_run(g.validate(), realtime=True)
    try:
        received, answer = asyncio.run(_view(f"http://127.0.0.1:{port}/", ("video", "audio"),
                                             lambda got: len(got["audio"]) >= 60, timeout_s=20))
        video, audio = received["video"], received["audio"]
    finally:
        result = handle.wait(30)
    assert result is not None and result.error is None
    assert "opus" in answer.lower() and video
    samples = np.concatenate([f.to_ndarray().reshape(-1, len(f.layout.channels))[:, 0] for f in audio[-40:]])
    samples = samples.astype(np.float64) / 32768.0
    assert np.sqrt(np.mean(samples ** 2)) > 0.05  # sound, not silence
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    peak_hz = np.argmax(spectrum) * audio[-1].sample_rate / len(samples)
    assert abs(peak_hz - 440) < 10  # the clip's 440 Hz tone came through the Opus round trip
    assert result.instances["rtc"].audio_pushed > 0

