"""ingest.rfid in a graph, over real TCP against the reader simulator with injected faults."""

from __future__ import annotations

import pyarrow as pa
import pytest

from ggpgfx.api import Graph
from ggpgfx.poker.phh_script import Timing
from ggpgfx.rfid.deck import AntennaMap
from ggpgfx.rfid.reader import ReaderHealth
from ggpgfx.rfid.simulator import ReaderSimulator, SimulatorConfig, timeline


@pytest.mark.network
def test_reads_over_tcp_with_faults(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = SimulatorConfig(max_hands=1, speed=10, timing=Timing(action=0.3, deal=0.05), seed=3,
                             miss_rate=0.1, duplicate_rate=0.3, garbage_rate=0.2, unregistered_rate=0.1)
    sim = ReaderSimulator(config).start()
    deck_file = tmp_path / "deck.json"
    sim.deck.save(deck_file)
    g = Graph("rfid")
    reader = g.add("ingest.rfid", id="rfid", source=f"tcp://127.0.0.1:{sim.port}", deck=str(deck_file),
                   idle_timeout_s=1.5, health_interval_s=0.2)
    reads, health = g.add("sink.collect", id="reads"), g.add("sink.collect", id="health")
    reader.reads >> reads.inp
    reader.health >> health.inp
    try:
        result = g.run(realtime=False)
    finally:
        sim.stop()
    rows = pa.concat_tables(result.collected("reads")).to_pylist()
    placements = [(a, u) for _, kind, a, u in timeline(config, sim.deck, AntennaMap()) if kind == "in"]
    missed = {(a, u) for _, a, u in sim.missed_log}
    expected = [(a, u) for a, u in placements if (a, u) not in missed]
    antennas = AntennaMap()
    got = [(antennas.antenna_of(r["zone"], r["seat"]), r["tag_uid"]) for r in rows]
    assert got == expected  # every delivered placement once, in order; duplicates and repeats suppressed
    assert sim.sent["missed"] >= 1 and len(got) < len(placements)
    assert all(r["source"] == "rfid" and r["card"] == sim.deck.card(r["tag_uid"]) for r in rows)
    last: ReaderHealth = result.collected("health")[-1]
    assert last.counters["garbage"] + last.counters["bad_checksum"] == sim.sent["garbage"] > 0
    assert last.counters["unregistered"] == sim.sent["unregistered"] > 0
    assert last.counters["repeats"] >= sim.sent["duplicates"] > 0
    assert last.reader_id == "ggp-sim" and last.read_rate > 0


@pytest.mark.network
def test_reads_pushed_over_http_by_the_simulator() -> None:
    import socket
    import threading
    import time

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    config = SimulatorConfig(max_hands=1, speed=10, timing=Timing(action=0.3, deal=0.05), garbage_rate=0.1, seed=4)
    g = Graph("push")
    reader = g.add("ingest.rfid", id="rfid", source=f"http://127.0.0.1:{port}", idle_timeout_s=1.5,
                   deck_seed=4)
    reads = g.add("sink.collect", id="reads")
    reader.reads >> reads.inp
    sims: list[ReaderSimulator] = []

    def push_when_listening() -> None:
        for _ in range(200):  # the node binds its port in setup
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.02)
        sims.append(ReaderSimulator(config, push_url=f"http://127.0.0.1:{port}/reads").start())
        sims[0].finished.wait(30)

    thread = threading.Thread(target=push_when_listening, daemon=True)
    thread.start()
    result = g.run(realtime=False)
    thread.join(35)
    sims[0].stop()
    rows = pa.concat_tables(result.collected("reads")).to_pylist()
    placements = [(a, u) for _, kind, a, u in timeline(config, sims[0].deck, AntennaMap()) if kind == "in"]
    assert len(rows) == len(placements)
    counters = result.instances["rfid"].processor.counters
    assert counters["garbage"] + counters["bad_checksum"] == sims[0].sent["garbage"] > 0
