"""Record a short studio session, correct a hand (a hole card and a name; in a copy, a raise's amount), and
save the same frame of the re-render before and after each correction as PNGs (docs/studio.md shows them)."""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from PIL import Image

from ggpgfx.api import Graph
from ggpgfx.render.composite import composite_layers
from ggpgfx.render.record import SceneReplay
from ggpgfx.studio.render import RenderSettings, _options, crop_frame
from ggpgfx.studio.session import Correction, Session
from ggpgfx.studio.video import read_frames


def record(folder: Path) -> Path:
    """One hand of the demo table at 960x540, recorded for post-production."""
    g = Graph("studio-stills", fps=30, realtime=False)
    g.add("ingest.table_sim", id="table", width=960, height=540, max_hands=1, action_interval_s=0.3,
          deal_interval_s=0.05, end_pause_s=1.0, name_plates=False, hole_cards="down")
    g.add("rules.poker", id="rules", table="stills", trials=2000)
    g.add("render.overlay", id="gfx", skin="broadcast", reveal="delayed", in_place=False)
    g.add("sink.null", id="program")
    g.add("publish.studio", id="studio", folder=str(folder), preset="ultrafast")
    for edge in ("table.video -> gfx.video", "table.video -> studio.video", "table.reads -> rules.reads",
                 "table.actions -> rules.actions", "rules.state -> gfx.state", "rules.events -> studio.events",
                 "gfx.scene -> studio.scene", "gfx.video -> program.inp"):
        g.connect(*[part.strip() for part in edge.split("->")])
    g.run()
    return folder


def still(session: Session, index: int) -> Image.Image:
    """Frame `index` of the re-render (corrections applied) as an RGB image."""
    options, (width, height) = _options(session, RenderSettings())
    replay = SceneReplay(session.corrected_calls(), options, width, height, first_pts=session.first_pts)
    _, frame = next(read_frames(session.iso_path, index, 1))
    picture = crop_frame(frame, (0, 0, width, height))
    composite_layers(picture, replay.layers(int(session.frame_pts[index])))
    import av

    avf = av.VideoFrame(width, height, "yuv420p")
    for plane, source in zip(avf.planes, picture.planes, strict=True):
        import numpy as np

        view = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)  # type: ignore[call-overload]
        view[:source.shape[0], :source.shape[1]] = source
    return avf.to_image()


def bet_stills(folder: Path, copy: Path, number: int, out: Path) -> None:
    """In a copy of the session, the hand's first raise made bigger: the frame after the calls, before and after."""
    shutil.copytree(folder, copy)
    session = Session(copy)
    hand = session.hand(number)
    raises = [a for a in session.actions(number) if a["action"] in ("bet", "raise") and a["amount"]]
    if not raises:
        print("no bet or raise in the hand: no bet stills")
        return
    first = raises[0]
    # the first drawn state with the raise, then two thirds of a second on: the calls are in too
    shown = next(c.pts for c in session.calls if c.state is not None and c.state.hand_number == number
                 and any(s.seat == first["seat"] and s.bet == first["amount"] for s in c.state.seats))
    index = min(hand.end_frame - 1, session.frame_at(shown) + 20)
    before = still(session, index)
    amount = first["amount"] * 2
    fixed = session.add_correction(Correction(hand=number, kind="bet", seat=first["seat"], amount=amount,
                                              at_s=first["at_s"], note="typed short"))
    after = still(Session(copy), index)
    before.save(out / "studio-bet-before.png", optimize=True)
    after.save(out / "studio-bet-after.png", optimize=True)
    print(f"{fixed.describe()}: {out / 'studio-bet-before.png'}, {out / 'studio-bet-after.png'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=None, help="folder for the PNGs (default: a temp folder)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="studio-stills-"))
    out = args.out or work
    try:
        session = Session(record(work / "session"))
        hand = session.hands()[0]
        out.mkdir(parents=True, exist_ok=True)
        bet_stills(work / "session", work / "bet", hand.number, out)
        index = hand.end_frame - 15  # the end of the hand: cards face up, the winner shown
        state = next(c.state for c in reversed(session.calls) if c.state and c.state.hand_number == hand.number
                     and any(s.hole_cards for s in c.state.seats))
        seat = next(s for s in state.seats if len(s.hole_cards) == 2 and s.status != "folded")
        before = still(session, index)
        session.add_correction(Correction(hand=hand.number, kind="card", seat=seat.seat,
                                          cards=[seat.hole_cards[0], "As" if "As" not in seat.hole_cards else "Ks"],
                                          note="RFID misread"))
        session.add_correction(Correction(hand=hand.number, kind="name", seat=seat.seat, text="Corrected Name"))
        after = still(session, index)
        before.save(out / "studio-before.png", optimize=True)
        after.save(out / "studio-after.png", optimize=True)
        print(f"seat {seat.seat} ({seat.name}, {''.join(seat.hole_cards)}): {out / 'studio-before.png'}, "
              f"{out / 'studio-after.png'}")
    finally:
        shutil.rmtree(work / "session", ignore_errors=True)
        shutil.rmtree(work / "bet", ignore_errors=True)


if __name__ == "__main__":
    main()
