"""Writers whose finishing is slow or stuck, for the tests of a stop that times out (a plain module: this folder is
on sys.path)."""

from __future__ import annotations

import threading
import time

from ggpgfx.graph.node import Node, register_node
from ggpgfx.graph.registry import get_node_type


def slow_writer(base: type[Node], type_name: str) -> type[Node]:
    """`base` with a `finish_s` param: its on_eos first sleeps that long (a long recording's faststart rewrite)."""
    known = get_node_type(type_name)
    if known is not None:
        return known

    class Params(base.Params):  # type: ignore[name-defined,misc]
        finish_s: float = 0.0

    def on_eos(self: Node) -> None:
        time.sleep(self.params.finish_s)
        base.on_eos(self)

    return register_node(type(f"Slow{base.__name__}", (base,),
                              {"type_name": type_name, "Params": Params, "on_eos": on_eos,
                               "__doc__": f"{base.type_name} whose finishing takes `finish_s`."}))


def stuck_writer(base: type[Node], type_name: str, release: threading.Event) -> type[Node]:
    """`base` whose on_eos blocks until `release` is set (a writer stuck on a dead disk; local runs only)."""
    known = get_node_type(type_name)
    if known is not None:
        return known

    def on_eos(self: Node) -> None:
        release.wait(60)
        base.on_eos(self)

    return register_node(type(f"Stuck{base.__name__}", (base,), {
        "type_name": type_name, "on_eos": on_eos, "__doc__": f"{base.type_name} whose finishing never ends."}))
