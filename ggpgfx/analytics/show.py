"""Show analytics over hand summaries (`hands.HAND_SCHEMA` Parquet) with Ray Data.

Each block is reduced to exact integer partials on a Ray worker (`partials`: pyarrow group-bys, no
Python loop over rows); the driver adds them up (`combine`) and derives the figures: hands per hour,
average pot, showdown rate, the biggest pots, per-player VPIP / PFR / aggression factor with their
distributions, and table time per player (the summed duration of the hands the player was dealt in).
The same `partials` + `combine` run without Ray on one table (`analytics_of_table`), which is what tests
compare with counts made directly from an event log.
"""

from __future__ import annotations

import csv
import io
import pickle
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ggpgfx.analytics.hands import HAND_SCHEMA

HOUR_US = 3_600_000_000
TOP_POTS = 10
PLAYER_COUNTS = ("vpip", "pfr", "aggressive", "calls", "saw_flop", "won", "table_time_us")


def partials(batch: pa.Table) -> dict[str, Any]:
    """Exact partial sums of one block of hand rows."""
    batch = batch.append_column("duration_us", pc.subtract(batch.column("end_us"), batch.column("start_us")))
    ints = {name: pc.cast(batch.column(name), pa.int64()) for name in ("vpip", "pfr", "saw_flop")}
    players = pa.table({"player": batch.column("player"), "vpip": ints["vpip"], "pfr": ints["pfr"],
                        "aggressive": pc.cast(batch.column("aggressive"), pa.int64()),
                        "calls": pc.cast(batch.column("calls"), pa.int64()), "saw_flop": ints["saw_flop"],
                        "won": batch.column("won"), "table_time_us": batch.column("duration_us")})
    grouped = players.group_by("player").aggregate([("player", "count")] + [(c, "sum") for c in PLAYER_COUNTS])
    per_player = {row["player"]: [row["player_count"]] + [row[f"{c}_sum"] for c in PLAYER_COUNTS]
                  for row in grouped.to_pylist()}
    hands = batch.filter(batch.column("first"))
    hours = pc.divide(hands.column("start_us"), pa.scalar(HOUR_US, pa.int64()))
    by_hour = pa.table({"hour": hours, "n": pa.array([1] * hands.num_rows, pa.int64()),
                        "pot": hands.column("pot")}).group_by("hour").aggregate([("n", "sum"), ("pot", "sum")])
    order = [("pot", "descending"), ("table", "ascending"), ("hand_number", "ascending")]  # ties: same as combine
    top = hands.select(["table", "hand_number", "pot", "start_us"]).sort_by(order).slice(0, TOP_POTS).to_pylist()
    tables = hands.group_by("table").aggregate([("start_us", "min"), ("end_us", "max")]).to_pylist()
    return {
        "hands": hands.num_rows,
        "pot_sum": int(pc.sum(hands.column("pot")).as_py() or 0),
        "showdowns": int(pc.sum(pc.cast(hands.column("showdown"), pa.int64())).as_py() or 0),
        "player_rows": batch.num_rows,
        "players": per_player,
        "hours": {int(r["hour"]): (int(r["n_sum"]), int(r["pot_sum"])) for r in by_hour.to_pylist()},
        "top": top,
        "span": {r["table"]: (int(r["start_us_min"]), int(r["end_us_max"])) for r in tables},
    }


def combine(parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Add partials up and derive the figures."""
    hands = sum(p["hands"] for p in parts)
    players: dict[str, list[int]] = {}
    hours: dict[int, list[int]] = {}
    spans: dict[str, list[int]] = {}
    top: list[dict[str, Any]] = []
    for p in parts:
        for name, values in p["players"].items():
            acc = players.setdefault(name, [0] * len(values))
            for i, v in enumerate(values):
                acc[i] += int(v)
        for hour, (n, pot) in p["hours"].items():
            acc = hours.setdefault(hour, [0, 0])
            acc[0] += n
            acc[1] += pot
        for table, (lo, hi) in p["span"].items():
            span = spans.setdefault(table, [lo, hi])
            span[0], span[1] = min(span[0], lo), max(span[1], hi)
        top += p["top"]
    top = sorted(top, key=lambda r: (-r["pot"], r["table"], r["hand_number"]))[:TOP_POTS]
    pot_sum = sum(p["pot_sum"] for p in parts)
    showdowns = sum(p["showdowns"] for p in parts)
    played_us = sum(hi - lo for lo, hi in spans.values())
    per_player: list[dict[str, Any]] = []
    for name in sorted(players):
        dealt, vpip, pfr, aggressive, calls, saw_flop, won, table_time_us = players[name]
        per_player.append({
            "player": name, "hands": dealt, "vpip": vpip / dealt if dealt else None,
            "pfr": pfr / dealt if dealt else None, "aggression": aggressive / calls if calls else None,
            "aggressive_actions": aggressive, "calls": calls, "saw_flop": saw_flop, "won": won,
            "table_time_s": table_time_us / 1e6,
        })
    return {
        "hands": hands,
        "player_hands": sum(p["player_rows"] for p in parts),
        "tables": len(spans),
        "played_hours": played_us / HOUR_US,
        "hands_per_hour": hands / (played_us / HOUR_US) if played_us else None,
        "average_pot": pot_sum / hands if hands else None,
        "total_pot": pot_sum,
        "showdowns": showdowns,
        "showdown_rate": showdowns / hands if hands else None,
        "biggest_pots": top,
        "by_hour": [{"hour": h, "hands": n, "pot": pot} for h, (n, pot) in sorted(hours.items())],
        "players": per_player,
        "distributions": {key: histogram([float(p[key]) for p in per_player if p[key] is not None],
                                         (0.0, 1.0) if key != "aggression" else (0.0, 5.0))
                          for key in ("vpip", "pfr", "aggression")},
    }


def histogram(values: Sequence[float], bounds: tuple[float, float], bins: int = 10) -> list[dict[str, float]]:
    """Counts of `values` in equal bins over `bounds` (values beyond the top go into the last bin)."""
    lo, hi = bounds
    width = (hi - lo) / bins
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, max(0, int((v - lo) / width)))] += 1
    return [{"low": lo + i * width, "high": lo + (i + 1) * width, "count": c} for i, c in enumerate(counts)]


def analytics_of_table(table: pa.Table) -> dict[str, Any]:
    """The analytics of hand rows already in memory (no Ray)."""
    return combine([partials(table)])


def _block_partials(batch: pa.Table) -> pa.Table:
    return pa.table({"partial": pa.array([pickle.dumps(partials(batch))], pa.binary())})


def show_analytics(paths: str | Path | Sequence[str | Path], batch_rows: int = 1 << 20) -> dict[str, Any]:
    """The analytics of hand-summary Parquet files (or folders of them) with Ray Data."""
    import ray

    from ggpgfx.errors import ConfigError

    sources = [str(p) for p in ([paths] if isinstance(paths, str | Path) else paths)]
    missing = [p for p in sources if not Path(p).exists()]
    if missing:
        raise ConfigError(f"no hand summaries at {', '.join(missing)}")
    if not ray.is_initialized():
        ray.init(include_dashboard=False, log_to_driver=False, configure_logging=False)
    dataset = ray.data.read_parquet(sources, schema=HAND_SCHEMA)
    rows = dataset.map_batches(_block_partials, batch_format="pyarrow", batch_size=batch_rows).take_all()
    return combine([pickle.loads(r["partial"]) for r in rows])


def players_table(result: dict[str, Any]) -> pa.Table:
    """The per-player rows of `result` as an Arrow table (an empty one has the `player` column only)."""
    return pa.Table.from_pylist(result["players"]) if result["players"] else pa.table({"player": pa.array([], pa.string())})


def players_parquet(result: dict[str, Any]) -> bytes:
    """The per-player table of `result` as Parquet file bytes."""
    sink = pa.BufferOutputStream()
    pq.write_table(players_table(result), sink)
    return bytes(sink.getvalue().to_pybytes())


def export(result: dict[str, Any], out: str | Path) -> Path:
    """The per-player table of `result` as CSV or Parquet (by the file's suffix)."""
    from ggpgfx.errors import ConfigError

    path = Path(out)
    if path.suffix == ".parquet":
        pq.write_table(players_table(result), path)
    elif path.suffix == ".csv":
        path.write_text(to_csv(result["players"]))
    else:
        raise ConfigError(f"export to .csv or .parquet, not '{path.suffix or path.name}'")
    return path


def to_csv(rows: Sequence[dict[str, Any]]) -> str:
    """Rows as CSV text (header from the first row)."""
    buffer = io.StringIO()
    if rows:
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return buffer.getvalue()
