"""`ggp rfid register-deck|simulate|watch`: RFID table tools (light imports at module level)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from ggpgfx.errors import ConfigError

rfid_app = typer.Typer(help="RFID table: register decks, simulate a reader, watch reads.", no_args_is_help=True)


@rfid_app.command("register-deck")
def register_deck(
        source: Annotated[str, typer.Option(help="reader: tcp://HOST:PORT, serial:/dev/ttyUSB0, http://HOST:PORT")],
        out: Annotated[Path, typer.Option(help="deck JSON file to write")] = Path("deck.json"),
        deck_id: Annotated[str, typer.Option(help="a name for this deck")] = "deck-1",
        antenna: Annotated[int | None, typer.Option(help="only accept tags on this antenna")] = None,
        timeout: Annotated[float, typer.Option(help="give up after this many seconds")] = 600.0,
        baudrate: int = 115200) -> None:
    """Read all 52 cards one by one (2c, 2d, 2h, 2s, 3c, ...) and save the tag → card mapping."""
    from ggpgfx.rfid.deck import AntennaMap, DeckRegistration, DeckRegistry
    from ggpgfx.rfid.reader import ReadProcessor
    from ggpgfx.rfid.transports import open_transport

    # while registering every antenna (or only the chosen one) is just "where the operator puts the card"
    antennas = AntennaMap({a: ("board", -1) for a in ([antenna] if antenna else range(1, 65))})
    processor = ReadProcessor(DeckRegistry(), antennas, emit_unregistered=True, source=source)
    transport = open_transport(source, processor, baudrate)
    registration = DeckRegistration(deck_id)
    transport.start()
    deadline = time.monotonic() + timeout
    typer.echo(f"place {registration.next_card} on the antenna")
    try:
        while registration.next_card is not None:
            if time.monotonic() > deadline:
                raise ConfigError(f"registration timed out with {len(registration.registry.missing())} cards "
                                  f"left (next: {registration.next_card}); reader: {processor.last_error or 'ok'}")
            for row in processor.drain():
                card = registration.offer(row["tag_uid"])
                if card is not None:
                    nxt = registration.next_card
                    typer.echo(f"  {card} = {row['tag_uid']}" + (f"; now place {nxt}" if nxt else ""))
            for uid, why in registration.rejected:
                typer.echo(f"  ignored tag {uid}: {why}", err=True)
            registration.rejected.clear()
            time.sleep(0.02)
    finally:
        transport.stop()
    registration.registry.save(out)
    typer.echo(f"saved 52 tags of deck {deck_id} to {out}")


@rfid_app.command("simulate")
def simulate(
        port: Annotated[int, typer.Option(help="TCP port to serve (0: pick one)")] = 7878,
        host: str = "127.0.0.1",
        push: Annotated[str | None, typer.Option(help="push to this URL (http://HOST:PORT/reads) instead")] = None,
        mode: Annotated[str, typer.Option(help="play (hands) or register (all 52 tags in order)")] = "play",
        source: Annotated[str, typer.Option(help="phh or random")] = "phh",
        hands: Annotated[str | None, typer.Option(help="PHH file; default: the hands shipped with ggpgfx")] = None,
        max_hands: int | None = None, seed: int = 0,
        speed: Annotated[float, typer.Option(help="playback speed (2 = twice real time)")] = 1.0,
        action_interval: Annotated[float, typer.Option(help="seconds between actions (match ingest.table_sim)")] = 1.0,
        miss_rate: float = 0.0, duplicate_rate: float = 0.0, garbage_rate: float = 0.0,
        unregistered_rate: float = 0.0,
        write_deck: Annotated[Path | None, typer.Option(help="also write the simulated deck's JSON here")] = None,
        loop: Annotated[bool, typer.Option(help="start over when the hands run out")] = False) -> None:
    """Serve the reader protocol, playing the table simulator's hands as tag frames."""
    from ggpgfx.poker.phh_script import Timing
    from ggpgfx.rfid.simulator import ReaderSimulator, SimulatorConfig

    if mode not in ("play", "register"):
        raise ConfigError(f"bad mode {mode!r}: expected play or register")
    config = SimulatorConfig(source=source, hands=hands, max_hands=max_hands, seed=seed, speed=speed, mode=mode,
                             timing=Timing(action=action_interval), miss_rate=miss_rate, duplicate_rate=duplicate_rate,
                             garbage_rate=garbage_rate, unregistered_rate=unregistered_rate)
    while True:
        simulator = ReaderSimulator(config, host, port, push_url=push).start()
        if write_deck is not None:
            simulator.deck.save(write_deck)
            typer.echo(f"wrote deck {write_deck}")
            write_deck = None
        where = push or f"tcp://{host}:{simulator.port}"
        typer.echo(f"reader simulator on {where} ({mode}); Ctrl-C stops", err=True)
        try:
            while not simulator.finished.wait(0.2):
                pass
        finally:
            simulator.stop()
        typer.echo(f"done: {simulator.sent}", err=True)
        if not loop:
            return


def register(app: typer.Typer) -> None:
    """Add `ggp rfid ...` to the main app."""
    app.add_typer(rfid_app, name="rfid")
