"""Build a graph in Python, run it, and save it as YAML."""

from pathlib import Path

from ggpgfx.api import Graph


def build() -> Graph:
    """bars -> passthrough -> collect."""
    g = Graph("hello", realtime=False)
    bars = g.add("ingest.test_pattern", width=640, height=360, frames=30)
    fwd = g.add("util.passthrough")
    sink = g.add("sink.collect")
    bars.video >> fwd.inp
    fwd.out >> sink.inp
    return g


def main() -> None:
    """Run, report, save."""
    g = build()
    result = g.run()
    frames = result.collected("collect")
    print(f"{len(frames)} frames of {frames[0].width}x{frames[0].height} {frames[0].format}")
    out = Path(__file__).with_name("hello.yaml")
    g.save(out)
    print(f"saved {out}")


if __name__ == "__main__":
    main()
