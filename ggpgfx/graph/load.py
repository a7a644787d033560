"""Read graph YAML keeping the line and column of every key and value, for errors that point at the file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

PathKey = tuple[Any, ...]


@dataclass
class Diagnostic:
    """One validation problem, printed as `FILE:LINE:COL: error: MESSAGE (hint: HINT)`."""

    message: str
    file: str = "<graph>"
    line: int = 1
    col: int = 1
    hint: str | None = None
    node: str | None = None
    port: str | None = None

    def format(self) -> str:
        """The one-line form shown to users."""
        text = f"{self.file}:{self.line}:{self.col}: error: {self.message}"
        return text + (f" (hint: {self.hint})" if self.hint else "")


@dataclass
class SourceMap:
    """Positions of keys and values in the YAML text, by path such as ('nodes', 'src', 'type')."""

    file: str = "<graph>"
    keys: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    values: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    duplicates: list[tuple[PathKey, tuple[int, int], tuple[int, int]]] = field(default_factory=list)

    def at(self, path: PathKey, *, key: bool = False) -> tuple[int, int]:
        """Best known position for a path: the exact one or that of its nearest ancestor."""
        table = self.keys if key else self.values
        probe = tuple(path)
        while probe:
            if probe in table:
                return table[probe]
            other = self.values if key else self.keys
            if probe in other:
                return other[probe]
            probe = probe[:-1]
        return (1, 1)

    def diag(self, path: PathKey, message: str, *, hint: str | None = None, key: bool = False,
             node: str | None = None, port: str | None = None) -> Diagnostic:
        """A Diagnostic positioned at `path`."""
        line, col = self.at(path, key=key)
        return Diagnostic(message, self.file, line, col, hint, node, port)


#: Limits that keep a hostile graph file cheap to read (alias bombs, deep nesting): a real graph uses a few
#: aliases, fewer than 20 levels and a few thousand values.
MAX_ALIASES = 100
MAX_DEPTH = 64
MAX_VALUES = 100_000


class YamlLimitError(yaml.MarkedYAMLError):
    """A graph file beyond the reader's limits (reported as a diagnostic, never raised to users)."""


def _pos(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader that refuses too many aliases and too deep nesting while composing (before any recursion)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliases = 0
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        """Count aliases and depth, then compose as PyYAML does."""
        event = self.peek_event()
        mark: Any = event.start_mark
        if isinstance(event, yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise YamlLimitError(problem=f"more than {MAX_ALIASES} aliases (*name)",
                                     problem_mark=mark)
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise YamlLimitError(problem=f"nesting deeper than {MAX_DEPTH} levels", problem_mark=mark)
            return super().compose_node(parent, index)  # type: ignore[no-untyped-call]
        finally:
            self.depth -= 1


class _Budget:
    """Values produced so far while expanding aliases, and the nodes being expanded (to catch self-reference)."""

    def __init__(self) -> None:
        self.values = 0
        self.open: set[int] = set()


def _limit(node: yaml.Node, problem: str) -> YamlLimitError:
    return YamlLimitError(problem=problem, problem_mark=node.start_mark)


def _convert(loader: yaml.SafeLoader, node: yaml.Node, path: PathKey, smap: SourceMap,
             budget: _Budget | None = None) -> Any:
    budget = budget or _Budget()
    budget.values += 1
    if budget.values > MAX_VALUES:
        raise _limit(node, f"more than {MAX_VALUES} values once aliases are expanded")
    if len(path) > MAX_DEPTH:
        raise _limit(node, f"nesting deeper than {MAX_DEPTH} levels once aliases are expanded")
    smap.values[path] = _pos(node)
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
        if id(node) in budget.open:
            raise _limit(node, "an alias refers to a mapping or list that contains it")
        budget.open.add(id(node))
        try:
            return _convert_collection(loader, node, path, smap, budget)
        finally:
            budget.open.discard(id(node))
    return loader.construct_object(node, deep=True)


def _convert_collection(loader: yaml.SafeLoader, node: yaml.Node, path: PathKey, smap: SourceMap,
                        budget: _Budget) -> Any:
    if isinstance(node, yaml.SequenceNode):
        return [_convert(loader, item, (*path, i), smap, budget) for i, item in enumerate(node.value)]
    result: dict[Any, Any] = {}
    first_seen: dict[Any, tuple[int, int]] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise _limit(key_node, "a key must be a plain value, not a mapping or a list")
        key = loader.construct_object(key_node, deep=True)
        child = (*path, key)
        if key in result:
            smap.duplicates.append((child, _pos(key_node), first_seen[key]))
            continue
        first_seen[key] = _pos(key_node)
        smap.keys[child] = _pos(key_node)
        result[key] = _convert(loader, value_node, child, smap, budget)
    return result


def parse_yaml(text: str, file: str = "<graph>") -> tuple[Any, SourceMap, list[Diagnostic]]:
    """Parse YAML into plain data plus a SourceMap; syntax errors and limits come back as diagnostics."""
    smap = SourceMap(file)
    try:
        loader = _BoundedLoader(text)
    except yaml.YAMLError as exc:  # control characters and bad encodings fail in the reader
        return None, smap, [Diagnostic(f"invalid YAML: {exc}".replace("\n", " "), file)]
    try:
        root = loader.get_single_node()
        data = None if root is None else _convert(loader, root, (), smap)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "malformed YAML"
        return None, smap, [Diagnostic(f"invalid YAML: {problem}", file, line, col)]
    except yaml.YAMLError as exc:
        return None, smap, [Diagnostic(f"invalid YAML: {exc}".replace("\n", " "), file)]
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. a timestamp such as 2001-02-30
        return None, smap, [Diagnostic(f"invalid YAML: {exc}", file)]
    finally:
        loader.dispose()
    return data, smap, []


def load_data(text: str, file: str) -> Any:
    """A data file a tenant wrote (YAML or JSON, YAML being a superset) read with the bounded reader.

    Alias bombs, deep nesting and syntax errors raise ConfigError with the first problem and its line,
    never RecursionError or minutes of CPU.
    """
    from ggpgfx.errors import ConfigError

    data, _, diags = parse_yaml(text, file)
    if diags:
        raise ConfigError(diags[0].format())
    return data


def load_json(text: str | bytes, file: str) -> Any:
    """A JSON data file a tenant wrote: ConfigError for bad JSON or nesting deeper than MAX_DEPTH."""
    import json

    from ggpgfx.errors import ConfigError

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{file}: invalid JSON: {exc}") from None
    except RecursionError:
        data = None
        deep = True
    else:
        deep = not json_depth_ok(data)
    if deep:
        raise ConfigError(f"{file}: nesting deeper than {MAX_DEPTH} levels")
    return data


def json_depth_ok(data: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether decoded JSON nests no deeper than `limit` (checked without recursion)."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth >= limit:
                return False
            stack.extend((child, depth + 1) for child in (value.values() if isinstance(value, dict) else value))
    return True


def read_graph_text(path: str | Path) -> str:
    """Text of a graph file, with a clear error when it cannot be read."""
    from ggpgfx.errors import GraphError

    p = Path(path)
    try:
        return p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GraphError(f"{p}: graph file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise GraphError(f"{p}: cannot read graph file: {exc}") from None


def show_table(path: str | Path) -> Path | None:
    """When `path` is a show file (it names a `table:` graph and has no `nodes:`), that table graph's path.

    Show files (`ggp show-run`, see ggpgfx.runtime.ray_show) live beside graphs; `ggp validate` and
    `ggp audit` check the table graph they name instead of refusing them as graphs without nodes.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None  # not readable: the graph reader reports what is wrong
    data, _, diags = parse_yaml(text, str(path))  # the bounded reader: a hostile file is a diagnostic
    if not diags and isinstance(data, dict) and isinstance(data.get("table"), str) and "nodes" not in data:
        return (Path(path).parent / data["table"]).resolve()
    return None


def validate_text(text: str, filename: str = "graph.yaml") -> list[Diagnostic]:
    """Every problem in a graph given as YAML text (empty when valid)."""
    from ggpgfx.graph.validate import resolve_text

    _, diagnostics = resolve_text(text, filename)
    return diagnostics


def load_graph(path: str | Path) -> Any:
    """Read and validate a graph file; returns a ResolvedGraph or raises GraphError with every problem."""
    from ggpgfx.errors import GraphError
    from ggpgfx.graph.validate import resolve_text

    resolved, diagnostics = resolve_text(read_graph_text(path), str(path))
    if diagnostics or resolved is None:
        raise GraphError(diagnostics)
    return resolved
