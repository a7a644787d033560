// WHEP playback (WebRTC-HTTP Egress Protocol): POST an SDP offer to the endpoint, apply the answer.
// publish.webrtc nodes serve one; health.preview carries their URLs.

/** Start receiving `url` into a new peer connection; the caller attaches the stream to a <video>. */
export async function playWhep(url: string, onTrack: (stream: MediaStream) => void, timeoutMs = 2000): Promise<RTCPeerConnection> {
  const pc = new RTCPeerConnection();
  pc.addTransceiver("video", { direction: "recvonly" });
  pc.addTransceiver("audio", { direction: "recvonly" });
  pc.ontrack = (event) => {
    const stream = event.streams[0] ?? new MediaStream([event.track]);
    onTrack(stream);
  };
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  await iceGatheringDone(pc, timeoutMs);
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/sdp" },
    body: pc.localDescription?.sdp ?? offer.sdp ?? "",
  });
  if (!response.ok) {
    pc.close();
    throw new Error(`preview ${url} answered ${response.status}`);
  }
  await pc.setRemoteDescription({ type: "answer", sdp: await response.text() });
  return pc;
}

function iceGatheringDone(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    pc.addEventListener("icegatheringstatechange", () => {
      if (pc.iceGatheringState === "complete") {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}
