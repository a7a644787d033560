"""A WHEP-style WebRTC preview server (aiortc + aiohttp) on its own asyncio thread.

`POST /whep` with an SDP offer (application/sdp) answers 201 with the SDP answer and a Location to
`DELETE` when done; `GET /` serves a small page that does the same from a browser. Every viewer gets
the newest frame (a preview never queues old frames). With audio on, a viewer that offers an audio
section also gets an Opus track: pushed audio blocks queue per viewer up to one second, then the oldest
are dropped (the viewer skips ahead instead of drifting behind). aiortc and aiohttp are imported lazily.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from fractions import Fraction
from typing import Any

import av

log = logging.getLogger(__name__)

VIDEO_CLOCK = Fraction(1, 90_000)
#: Audio blocks queued per viewer (~1 s of 20 ms blocks) before the oldest are dropped.
AUDIO_QUEUE = 50

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>ggpgfx preview</title></head>
<body style="margin:0;background:#111">
<video id="v" autoplay playsinline muted controls style="width:100%"></video>
<script>
const pc = new RTCPeerConnection();
const media = new MediaStream();
pc.addTransceiver("video", {direction: "recvonly"});
pc.addTransceiver("audio", {direction: "recvonly"});
pc.ontrack = (e) => { media.addTrack(e.track); document.getElementById("v").srcObject = media; };
(async () => {
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((ok) => { if (pc.iceGatheringState === "complete") ok();
    pc.onicegatheringstatechange = () => pc.iceGatheringState === "complete" && ok(); });
  const r = await fetch("whep", {method: "POST", headers: {"Content-Type": "application/sdp"},
                                  body: pc.localDescription.sdp});
  await pc.setRemoteDescription({type: "answer", sdp: await r.text()});
})();
</script></body></html>
"""


def loopback_ice_only() -> None:
    """Make aioice offer only 127.0.0.1 host candidates (process-wide): for tests and local previews."""
    import aioice.ice

    aioice.ice.get_host_addresses = lambda use_ipv4, use_ipv6: ["127.0.0.1"] if use_ipv4 else []


def cors_origin(origin: str | None, host_header: str | None) -> str | None:
    """The origin to allow cross-origin WHEP from: a page on the same host (another port), such as the
    operator console, may play the preview; pages of other sites may not (the program shows hole cards)."""
    from urllib.parse import urlsplit

    if not origin or not host_header:
        return None
    origin_host = urlsplit(origin).hostname
    own_host = urlsplit(f"//{host_header}").hostname
    return origin if origin_host is not None and origin_host == own_host else None


def same_host_cors() -> Any:
    """aiohttp middleware: answer CORS preflights and label responses, for same-host origins only."""
    from aiohttp import web

    @web.middleware
    async def middleware(request: Any, handler: Any) -> Any:
        allowed = cors_origin(request.headers.get("Origin"), request.headers.get("Host"))
        if request.method == "OPTIONS":
            response = web.Response(status=204 if allowed else 403)
        else:
            response = await handler(request)
        if allowed:
            response.headers.update({"Access-Control-Allow-Origin": allowed, "Vary": "Origin",
                                     "Access-Control-Allow-Methods": "POST, DELETE, OPTIONS",
                                     "Access-Control-Allow-Headers": "Content-Type",
                                     "Access-Control-Expose-Headers": "Location"})
        return response

    return middleware


class PreviewServer:
    """HTTP signalling + one aiortc peer per viewer, fed the newest pushed frame."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, codec: str | None = None, *,
                 audio: bool = False) -> None:
        self.host = host
        self.port = port
        self.codec = codec
        self.audio = audio
        self.audio_queues: dict[str, asyncio.Queue[av.AudioFrame]] = {}
        self.audio_dropped = 0
        self.loop = asyncio.new_event_loop()
        self.peers: dict[str, Any] = {}
        self.frame: av.VideoFrame | None = None
        self.frame_serial = 0
        self.viewers_total = 0
        self._changed: asyncio.Condition | None = None
        self._runner: Any = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="ggp-webrtc", daemon=True)

    @property
    def url(self) -> str:
        """The page URL (the WHEP endpoint is `<url>whep`)."""
        return f"http://{self.host}:{self.port}/"

    def start(self, timeout_s: float = 10.0) -> None:
        """Start the loop thread and the HTTP server; raises what the bind raised."""
        self.thread.start()
        if not self._ready.wait(timeout_s):
            raise TimeoutError(f"WebRTC preview server did not start within {timeout_s:.0f} s")
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self._serve())
        except BaseException as exc:  # reported to start()
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self.loop.run_forever()

    async def _serve(self) -> None:
        from aiohttp import web

        self._changed = asyncio.Condition()
        app = web.Application(middlewares=[same_host_cors()])
        app.router.add_get("/", self._page)
        app.router.add_post("/whep", self._offer)
        app.router.add_delete("/whep/{peer}", self._hangup)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def _page(self, request: Any) -> Any:
        from aiohttp import web

        return web.Response(text=PAGE, content_type="text/html")

    async def _offer(self, request: Any) -> Any:
        from aiohttp import web
        from aiortc import RTCPeerConnection, RTCSessionDescription

        offer = RTCSessionDescription(sdp=await request.text(), type="offer")
        pc = RTCPeerConnection()
        peer_id = uuid.uuid4().hex
        self.peers[peer_id] = pc
        self.viewers_total += 1
        track = _LatestFrameTrack(self)
        sender = pc.addTrack(track)
        if self.codec:
            self._prefer_codec(pc, sender)
        if self.audio and "m=audio" in offer.sdp:
            queue: asyncio.Queue[av.AudioFrame] = asyncio.Queue(maxsize=AUDIO_QUEUE)
            self.audio_queues[peer_id] = queue
            pc.addTrack(_QueuedAudioTrack(queue))

        @pc.on("connectionstatechange")
        async def _state() -> None:
            log.info("preview viewer %s: %s", peer_id[:8], pc.connectionState)
            if pc.connectionState in ("failed", "closed"):
                await self._close_peer(peer_id)

        await pc.setRemoteDescription(offer)
        await pc.setLocalDescription(await pc.createAnswer())
        return web.Response(status=201, text=pc.localDescription.sdp, content_type="application/sdp",
                            headers={"Location": f"/whep/{peer_id}"})

    def _prefer_codec(self, pc: Any, sender: Any) -> None:
        from aiortc.rtcrtpsender import RTCRtpSender

        codecs = [c for c in RTCRtpSender.getCapabilities("video").codecs
                  if c.mimeType.lower() == f"video/{self.codec.lower()}"]  # type: ignore[union-attr]
        transceiver = next(t for t in pc.getTransceivers() if t.sender is sender)
        if codecs:
            transceiver.setCodecPreferences(codecs)

    async def _hangup(self, request: Any) -> Any:
        from aiohttp import web

        await self._close_peer(request.match_info["peer"])
        return web.Response(status=200)

    async def _close_peer(self, peer_id: str) -> None:
        self.audio_queues.pop(peer_id, None)
        pc = self.peers.pop(peer_id, None)
        if pc is not None:
            await pc.close()

    # -- frames -------------------------------------------------------------------------------------
    def push(self, frame: av.VideoFrame) -> None:
        """Offer a new frame to every viewer (thread-safe; older frames are simply replaced)."""
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self._set_frame, frame)

    def push_audio(self, frame: av.AudioFrame) -> None:
        """Queue a block of audio for every viewer with an audio track (thread-safe)."""
        if self.loop.is_running() and self.audio_queues:
            self.loop.call_soon_threadsafe(self._fan_audio, frame)

    def _fan_audio(self, frame: av.AudioFrame) -> None:
        for queue in self.audio_queues.values():
            if queue.full():
                queue.get_nowait()  # a second behind: drop the oldest block, stay live
                self.audio_dropped += 1
            queue.put_nowait(frame)

    def _set_frame(self, frame: av.VideoFrame) -> None:
        self.frame = frame
        self.frame_serial += 1
        asyncio.ensure_future(self._notify())

    async def _notify(self) -> None:
        assert self._changed is not None
        async with self._changed:
            self._changed.notify_all()

    async def next_frame(self, after: int) -> tuple[int, av.VideoFrame]:
        """Wait for a frame newer than serial `after`."""
        assert self._changed is not None
        async with self._changed:
            await self._changed.wait_for(lambda: self.frame_serial > after and self.frame is not None)
        return self.frame_serial, self.frame  # type: ignore[return-value]

    def close(self, timeout_s: float = 5.0) -> None:
        """Hang up every viewer, stop HTTP and the loop thread."""
        if not self.thread.is_alive():
            return

        async def shutdown() -> None:
            for peer_id in list(self.peers):
                await self._close_peer(peer_id)
            if self._runner is not None:
                await self._runner.cleanup()

        try:
            asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(timeout_s)
        except Exception:
            log.debug("preview server shutdown", exc_info=True)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout_s)


def _LatestFrameTrack(server: PreviewServer) -> Any:  # noqa: N802 - a class built lazily (aiortc import)
    from aiortc import MediaStreamTrack

    class LatestFrameTrack(MediaStreamTrack):  # type: ignore[misc]
        """A video track that sends the newest frame the server has."""

        kind = "video"

        def __init__(self) -> None:
            super().__init__()
            self.serial = 0
            self.started: int | None = None

        async def recv(self) -> av.VideoFrame:
            self.serial, frame = await server.next_frame(self.serial)
            return frame

    return LatestFrameTrack()


def _QueuedAudioTrack(queue: asyncio.Queue[av.AudioFrame]) -> Any:  # noqa: N802 - built lazily (aiortc import)
    from aiortc import MediaStreamTrack

    class QueuedAudioTrack(MediaStreamTrack):  # type: ignore[misc]
        """An audio track that sends the pushed blocks in order (Opus, resampled by aiortc)."""

        kind = "audio"

        async def recv(self) -> av.AudioFrame:
            return await queue.get()

    return QueuedAudioTrack()
