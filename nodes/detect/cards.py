"""detect.cards: find and classify playing cards in calibrated zones of a camera feed; announce each once."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ggpgfx.graph.fields import Device, FilePath, MediaUrl, ModelRef
from ggpgfx.graph.node import Message, Node, Port, register_node
from ggpgfx.media.frames import VideoFrame
from ggpgfx.poker.messages import DETECTIONS_SCHEMA, card_reads_table
from ggpgfx.runtime import devices
from ggpgfx.types import CardReads, Detections

LUMA_FORMATS = ("yuv420p", "nv12", "gray")


@register_node
class DetectCards(Node):
    """Card recognition on the luma plane: OpenCV localisation + ONNX CNN, smoothed over frames."""

    type_name = "detect.cards"
    own_thread = True  # heavy or blocking: keeps a thread of its own under the auto scheduler
    inputs = {"video": Port(VideoFrame, doc="camera frames (yuv420p, nv12 or gray)")}
    outputs = {
        "reads": Port(CardReads, doc="one row per card, announced once after `stable_frames` frames"),
        "detections": Port(Detections, doc="every card found in a frame (when any); '??' where it could not be "
                                              "read surely or the same card is seen twice"),
    }

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        model: ModelRef | None = Field(None, description="ONNX path, models:/card-detector/<version>, or a shipped "
                                       "model: default, real-decks, own-styles")
        tracking_uri: MediaUrl | None = Field(None, description="MLflow tracking URI for models:/ (default under GGP_HOME)")
        zones: list[dict[str, Any]] | None = Field(None, description="zone list: {name, zone, seat, polygon}")
        zones_file: FilePath | None = Field(None, description="JSON/YAML zones file (list or {cameras: {...}})")
        camera: str | None = Field(None, description="which camera's zones in a multi-camera zones file")
        stable_frames: int = Field(3, ge=1, le=120, description="consistent frames before a card is announced")
        absent_frames: int = Field(8, ge=1, le=600, description="frames a card must be gone before it is forgotten")
        min_confidence: float = Field(0.7, ge=0, le=1)
        min_card_area: float = Field(300, gt=0, description="smallest card blob in pixels")
        reuse_unchanged: bool = Field(True, description="skip zones whose pixels did not change")
        threads: int = Field(1, ge=1, le=16, description="ONNX Runtime threads")
        device: Device = Field("cpu", description="where the classifier runs: auto, cpu, cuda or cuda:N (the "
                                                  "ONNX graph on torch there; localisation stays on the CPU)")
        abstain: float | None = Field(None, ge=0, le=1, description="cards read below this confidence are "
                                      "'??' (unknown) in detections and never announced; default: each model's "
                                      "calibrated threshold (the default model hands its unsure cards to "
                                      "real-decks, see docs/cards.md)")
        second_look: bool | None = Field(None, description="read a card still unsure after both corner indices "
                                         "again through six small warps of its outline and pool them; default: "
                                         "as the model's threshold was calibrated (on for the default model)")
        pip_check: bool | None = Field(None, description="count the pips of a number card named under the "
                                       "model's pip_level (its sure level) and report it as '??' when a clean count says "
                                       "another number; default: as the model's threshold was calibrated")
        suit_check: bool | None = Field(None, description="judge the pips' shape of the same cards and report a "
                                        "card as '??' when they clearly say another suit; default: as the model's "
                                        "threshold was calibrated (off in every shipped model)")

    def setup(self) -> None:
        """Load the model and the zones."""
        from ggpgfx.cards.detector import CardDetector, Smoother, load_zones
        from ggpgfx.cards.infer import CardClassifier

        p = self.params
        if p.zones is not None and p.zones_file is not None:
            raise ValueError("give either `zones` or `zones_file`, not both")
        self.zones = load_zones(p.zones if p.zones is not None else p.zones_file, p.camera)
        classifier = CardClassifier(p.model, p.threads, p.tracking_uri)
        if self.context.device.startswith("cuda"):
            classifier.probabilities = _device_probabilities(  # type: ignore[method-assign]
                p.model, p.tracking_uri, devices.kernel_device(self.context.device))
        self.detector = CardDetector(classifier, p.min_card_area, p.reuse_unchanged, abstain=p.abstain,
                                     second_look=p.second_look, pip_check=p.pip_check,
                                     suit_check=p.suit_check)
        self.smoother = Smoother(p.stable_frames, p.absent_frames, p.min_confidence)
        self.announced = 0

    def _zones_for(self, frame: VideoFrame) -> list[Any]:
        if self.zones:
            return self.zones
        from ggpgfx.cards.detector import load_zones

        meta_zones = frame.meta.get("zones")
        if not meta_zones:
            raise ValueError("detect.cards needs zones: give `zones` or `zones_file`, or feed frames that carry "
                             "meta['zones'] (ingest.table_sim does)")
        self.zones = load_zones(list(meta_zones))
        return self.zones

    def process(self, port: str, msg: Message) -> None:
        """Detect, smooth, and emit announcements and per-frame detections."""
        frame: VideoFrame = msg.payload
        if frame.format not in LUMA_FORMATS:
            raise ValueError(f"detect.cards reads the luma plane: needs {', '.join(LUMA_FORMATS)}, got {frame.format}")
        luma = frame.planes[0]
        if hasattr(luma, "get"):  # CuPy array: bring the luma plane (only) to the host
            luma = luma.get()
        detections = self.detector.detect(luma, self._zones_for(frame))
        camera = str(frame.meta.get("camera", self.params.camera or "camera"))
        if detections:
            self.emit("detections", _detections_table(msg.pts, camera, detections))
        announce = self.smoother.update(detections)
        if announce:
            self.announced += len(announce)
            self.emit("reads", card_reads_table([
                {"pts": msg.pts, "zone": d.zone.zone, "seat": d.zone.seat, "card": d.card, "source": "vision",
                 "confidence": confidence} for d, confidence in announce]))


def _device_probabilities(model: str | None, tracking_uri: str | None, device: str) -> Any:
    """The classifier's `probabilities` on a device: the same ONNX model interpreted with torch there (the
    per-patch normalisation and calibration temperature of the CPU classifier; within 1e-5 of it)."""
    import numpy as np
    from ggpgfx.operators_gpu.classifier import CardClassifier as DeviceClassifier

    from ggpgfx.cards.infer import load_model_bytes

    classifier = DeviceClassifier(load_model_bytes(model, tracking_uri), device=device, backend="torch",
                                  normalise="per_patch")

    def probabilities(patches: np.ndarray) -> np.ndarray:
        if len(patches) == 0:
            return np.zeros((0, len(classifier.classes)), np.float32)
        return np.asarray(classifier(np.ascontiguousarray(patches)))

    return probabilities


def _detections_table(pts: int, camera: str, detections: list[Any]) -> Any:
    import pyarrow as pa

    rows = [{"pts": pts, "camera": camera, "zone": d.zone.zone, "seat": d.zone.seat, "card": d.card,
             "confidence": d.confidence, "x0": d.box[0], "y0": d.box[1], "x1": d.box[2], "y1": d.box[3]}
            for d in detections]
    return pa.Table.from_pylist(rows, schema=DETECTIONS_SCHEMA)
