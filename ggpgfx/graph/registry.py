"""The node-type registry: the built-in pack's table (`ggpgfx.nodes.NODE_TYPES`) plus entry points `ggpgfx.nodes`.

The built-in pack is a plugin like any other, found by name: the graph layer never imports a node module
statically, and imports one only when its type is used (or `ggp nodes` lists them all).
"""

from __future__ import annotations

import importlib
import logging
import re
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ggpgfx.graph.node import Node

log = logging.getLogger(__name__)

TYPE_NAME = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
ENTRY_POINT_GROUP = "ggpgfx.nodes"
BUILTIN_PACK = "ggpgfx.nodes"  # its NODE_TYPES table maps each built-in type to its module

_types: dict[str, type[Node]] = {}
_broken: dict[str, str] = {}  # module or entry point -> why it failed to load
_loaded = False
_lock = threading.RLock()


def add_node_type(cls: type[Node]) -> None:
    """Register one node class; the same name twice from different classes is an error."""
    name = cls.type_name
    if not TYPE_NAME.match(name or ""):
        raise ValueError(f"{cls.__module__}.{cls.__qualname__}: type_name {name!r} must look like 'stage.name'")
    if not (cls.__doc__ or "").strip():
        raise ValueError(f"node type {name} ({cls.__qualname__}) needs a docstring")
    with _lock:
        existing = _types.get(name)
        if existing is not None and existing.__qualname__ != cls.__qualname__:
            raise ValueError(f"node type {name} registered twice: {existing.__module__} and {cls.__module__}")
        _types[name] = cls


def _load_builtin() -> None:
    for module in sorted(set(builtin_index().values())):
        _import(module)


def _import(module: str) -> None:
    if module in _broken:
        return
    try:
        importlib.import_module(module)
    except Exception as exc:  # a node pack with a missing optional dependency must not break the rest
        _broken[module] = f"{type(exc).__name__}: {exc}"
        log.debug("could not load node module %s", module, exc_info=True)


def _load_entry_points() -> None:
    from importlib.metadata import entry_points  # ~10-15 ms (email, zipfile...): only when listing every type

    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            loaded = ep.load()
            if callable(loaded) and not isinstance(loaded, type):
                loaded()
        except Exception as exc:
            _broken[f"entry point {ep.name} ({ep.value})"] = f"{type(exc).__name__}: {exc}"


_index: dict[str, str] | None = None


def builtin_index() -> dict[str, str]:
    """Type name -> module of the built-in pack, from its `NODE_TYPES` table (imports no node module)."""
    global _index
    if _index is None:
        pack = importlib.import_module(BUILTIN_PACK)
        _index = dict(getattr(pack, "NODE_TYPES", {}))
    return _index


def get_node_type(name: str) -> type[Node] | None:
    """The node class registered as `name`, or None; imports only the module that defines it when it can."""
    with _lock:
        if name in _types:
            return _types[name]
        module = builtin_index().get(name)
        if module is not None:
            _import(module)
            if name in _types:
                return _types[name]
    return load_all().get(name)


def load_all(refresh: bool = False) -> dict[str, type[Node]]:
    """Every registered node type by name, loading the built-in pack and entry points once."""
    global _loaded, _index
    with _lock:
        if refresh or not _loaded:
            _loaded = True
            if refresh:
                _index = None
                _broken.clear()
            _load_builtin()
            _load_entry_points()
        return dict(_types)


def broken_modules(load: bool = True) -> dict[str, str]:
    """Node modules that failed to import, with the reason (shown by `ggp nodes` and validation hints)."""
    if load:
        load_all()
    return dict(_broken)
