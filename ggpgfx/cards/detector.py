"""Card detection in calibrated zones of a luma plane, and temporal smoothing that announces each card once."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ggpgfx.cards.infer import UNKNOWN, CardClassifier
from ggpgfx.cards.locate import Quad, find_cards
from ggpgfx.errors import ConfigError


@dataclass
class ZoneSpec:
    """One calibrated zone of a camera: name, table zone (seat/board/muck/burn), seat number, polygon."""

    name: str
    zone: str
    seat: int
    polygon: np.ndarray  # (K, 2) int32
    bounds: tuple[int, int, int, int] = (0, 0, 0, 0)  # x0, y0, x1, y1

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ZoneSpec:
        """Build from the zones-file form {name, zone, seat, polygon: [[x, y], ...]}."""
        try:
            polygon = np.asarray(data["polygon"], np.int32).reshape(-1, 2)
            zone = str(data.get("zone", "board"))
            seat = int(data.get("seat", -1))
            name = str(data.get("name") or (f"seat{seat}" if zone == "seat" else zone))
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"bad zone {data!r}: expected name, zone, seat and polygon [[x, y], ...]") from exc
        if len(polygon) < 3:
            raise ConfigError(f"zone {name!r}: a polygon needs at least 3 points")
        x0, y0 = polygon.min(axis=0)
        x1, y1 = polygon.max(axis=0)
        return cls(name, zone, seat, polygon, (max(0, int(x0)), max(0, int(y0)), int(x1), int(y1)))


def load_zones(source: str | Path | list[dict[str, Any]] | None, camera: str | None = None) -> list[ZoneSpec]:
    """Zones from a list, or a JSON/YAML file holding a list or {"cameras": {name: [zones]}}."""
    if source is None:
        return []
    data: Any = source
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.is_file():
            raise ConfigError(f"zones file not found: {path}")
        from ggpgfx.graph.load import load_data, load_json

        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read zones file {path}: {exc}") from None
        # the bounded readers: an alias bomb or deep nesting in a tenant's file is a ConfigError
        data = load_data(text, str(path)) if path.suffix in (".yaml", ".yml") else load_json(text, str(path))
    if isinstance(data, dict):
        cameras = data.get("cameras", data)
        if camera is not None and camera in cameras:
            data = cameras[camera]
        elif len(cameras) == 1:
            data = next(iter(cameras.values()))
        else:
            raise ConfigError(f"zones file has cameras {sorted(cameras)}; say which one with `camera`")
    if not isinstance(data, list):
        raise ConfigError("zones must be a list of {name, zone, seat, polygon}")
    return [ZoneSpec.from_dict(z) for z in data]


@dataclass
class Detection:
    """A card found in one frame: where, what, how sure."""

    zone: ZoneSpec
    card: str
    confidence: float
    box: tuple[float, float, float, float]  # frame pixels


SIGNATURE_BLOCK = 4
#: a 4x4 block whose mean moved this much changed (a card's edge or face moves it by tens of levels; sensor
#: noise averaged over 16 pixels by about one)
BLOCK_CHANGE = 16


def zone_signature(crop: np.ndarray) -> np.ndarray:
    """A zone's pixels as 4x4 block means (uint8): what `reuse_unchanged` compares between frames.

    Means, not every 4th pixel: a camera's sensor noise (every frame differs by a few levels per pixel) averages
    out over a block (its spread falls 4x), so a still zone is still at the default threshold, while a card put
    down, taken away or moved changes whole blocks by tens of levels.
    """
    h, w = crop.shape[0] // SIGNATURE_BLOCK * SIGNATURE_BLOCK, crop.shape[1] // SIGNATURE_BLOCK * SIGNATURE_BLOCK
    if h == 0 or w == 0:
        return crop.copy()
    return cv2.resize(crop[:h, :w], (w // SIGNATURE_BLOCK, h // SIGNATURE_BLOCK), interpolation=cv2.INTER_AREA)


class CardDetector:
    """Localise and classify cards inside zones; unchanged zones reuse the last result."""

    def __init__(self, classifier: CardClassifier, min_area: float = 300.0, reuse_unchanged: bool = True,
                 change_threshold: float = 1.5, min_confidence: float = 0.35, refine: bool = True,
                 abstain: float | None = None, unique: bool = True, second_look: bool | None = None,
                 pip_check: bool | None = None, suit_check: bool | None = None) -> None:
        self.classifier = classifier
        # a card still unsure after both indices were read is read again through small warps of its outline
        # (CardClassifier.classify_quads): None as the model was calibrated (metadata `second_look`), False off,
        # True on (the model's pooling, or the mean for a model calibrated without it: its threshold was then
        # chosen without the second look, see docs/cards.md)
        self.second_look: str | None = None if second_look is None else (
            "off" if not second_look else (classifier.second_look if classifier.second_look != "off" else "mean"))
        # a number card named under the model's `pip_level` whose pips say another number is UNKNOWN
        # (CardClassifier.read_quads): None as the model was calibrated (metadata `pip_check`), else off/on
        self.pip_check = pip_check
        # ... and one whose pips' shape clearly says another suit (metadata `suit_check`; None: as calibrated)
        self.suit_check = suit_check
        # a card-shaped object read below this confidence is reported as UNKNOWN ("??"), never as a card;
        # None: each model's calibrated threshold (metadata `abstain_threshold`; see CardClassifier.read_quads)
        self.abstain = abstain
        self.unique = unique  # a card detected twice in one frame: both become UNKNOWN (unknown_duplicates)
        self.refine = refine  # unsure cards get their outline fitted at full resolution and both indices read
        self.min_confidence = min_confidence  # below this a blob is not reported as a card at all
        self.min_area = min_area
        self.reuse_unchanged = reuse_unchanged
        self.change_threshold = change_threshold
        self._last: dict[str, tuple[np.ndarray, list[Detection]]] = {}
        self.zones_reused = 0
        self.zones_processed = 0

    def _still(self, previous: np.ndarray, signature: np.ndarray) -> bool:
        """Whether a zone is unchanged since it was last read: its block means moved little on average (light,
        noise) and no block moved by BLOCK_CHANGE (a small card in a wide zone moves the average little, but
        every block it covers a lot). Compared with the signature of the last frame that was read, so a slow
        change adds up until the zone is read again."""
        diff = cv2.absdiff(previous, signature)
        return float(diff.mean()) < self.change_threshold and int(diff.max()) < BLOCK_CHANGE

    def detect(self, luma: np.ndarray, zones: list[ZoneSpec]) -> list[Detection]:
        """Every card in the given zones of a luma plane (H, W) uint8."""
        pending: list[tuple[ZoneSpec, list[Quad], tuple[int, int]]] = []
        results: list[Detection] = []
        h, w = luma.shape
        for zone in zones:
            x0, y0, x1, y1 = zone.bounds
            crop = luma[y0:min(y1, h), x0:min(x1, w)]
            signature = zone_signature(crop)
            if self.reuse_unchanged and zone.name in self._last:
                previous, found = self._last[zone.name]
                if previous.shape == signature.shape and self._still(previous, signature):
                    self.zones_reused += 1
                    results.extend(found)
                    continue
            self.zones_processed += 1
            polygon = zone.polygon.astype(np.float32)
            quads = [q for q, (cx, cy) in ((q, q.centre()) for q in find_cards(crop, self.min_area))
                     if cv2.pointPolygonTest(polygon, (cx + x0, cy + y0), False) >= 0]
            pending.append((zone, quads, (x0, y0)))
            self._last[zone.name] = (signature.copy(), [])
        if pending:
            views = [luma[oy:, ox:] for _, quads, (ox, oy) in pending for _ in quads]
            labels = self.classifier.read_quads(views, [q for _, quads, _ in pending for q in quads],
                                                self.abstain, refine=self.refine, second_look=self.second_look,
                                                pip_check=self.pip_check, suit_check=self.suit_check)
            k = 0
            for zone, quads, (ox, oy) in pending:
                found = []
                for quad in quads:
                    card, confidence = labels[k]
                    k += 1
                    if card is None or confidence < self.min_confidence:
                        continue
                    bx0, by0, bx1, by1 = quad.box()
                    found.append(Detection(zone, card, confidence, (bx0 + ox, by0 + oy, bx1 + ox, by1 + oy)))
                self._last[zone.name] = (self._last[zone.name][0], found)
                results.extend(found)
        return unknown_duplicates(results) if self.unique else results


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Intersection over the smaller box."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return float(w * h / smaller) if smaller > 0 else 0.0


def unknown_duplicates(detections: list[Detection]) -> list[Detection]:
    """A card can only lie in one place: a card seen at two places in one frame becomes UNKNOWN at both.

    One of them is a misread and nothing says which, so neither is kept (RFID or the operator resolves
    it). Two detections of one card whose boxes overlap are one card seen through two overlapping zones.
    """
    spots: dict[str, list[Detection]] = {}
    for det in detections:
        if det.card != UNKNOWN:
            spots.setdefault(det.card, []).append(det)
    twice = {card for card, found in spots.items()
             if any(_overlap(a.box, b.box) < 0.5 for i, a in enumerate(found) for b in found[i + 1:])}
    return [Detection(d.zone, UNKNOWN, d.confidence, d.box) if d.card in twice else d for d in detections]


@dataclass
class _Track:
    seen: int = 0
    missing: int = 0
    confidence: float = 0.0
    announced: bool = False


@dataclass
class Smoother:
    """Announce a card in a zone once, after `stable_frames` consistent frames; forget it after `absent_frames`."""

    stable_frames: int = 3
    absent_frames: int = 8
    min_confidence: float = 0.7
    tracks: dict[tuple[str, str], _Track] = field(default_factory=dict)

    def update(self, detections: list[Detection]) -> list[tuple[Detection, float]]:
        """Feed one frame's detections; returns the (detection, mean confidence) pairs to announce now."""
        current = {(d.zone.name, d.card): d for d in detections if d.card != UNKNOWN}
        announce: list[tuple[Detection, float]] = []
        for key, det in current.items():
            track = self.tracks.setdefault(key, _Track())
            track.seen += 1
            track.missing = 0
            track.confidence += (det.confidence - track.confidence) / min(track.seen, 8)
            if not track.announced and track.seen >= self.stable_frames and track.confidence >= self.min_confidence:
                track.announced = True
                announce.append((det, track.confidence))
        for key in list(self.tracks):
            if key not in current:
                track = self.tracks[key]
                track.missing += 1
                if track.missing >= self.absent_frames or (not track.announced and track.missing >= 2):
                    del self.tracks[key]
        return announce
