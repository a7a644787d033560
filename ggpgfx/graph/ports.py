"""Port types and video caps: what may be connected to what, checked before anything runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import pyarrow as pa

Policy = Literal["queue", "latest", "sync"]


@dataclass(frozen=True)
class ArrowTable:
    """An Arrow-table port type with a declared schema; a consumer accepts any producer with its fields.

    `schema` is a pyarrow Schema or a function returning one: with a function, pyarrow is imported only when
    a graph connects such ports (declaring the type costs nothing, so a media graph never loads pyarrow).
    """

    name: str
    schema_source: pa.Schema | Callable[[], pa.Schema]
    _built: list[pa.Schema] = field(default_factory=list, init=False, repr=False, compare=False, hash=False)

    @property
    def schema(self) -> pa.Schema:
        """The declared schema (built on first use)."""
        if not self._built:
            source = self.schema_source
            self._built.append(source() if callable(source) else source)
        return self._built[0]

    @property
    def __name__(self) -> str:  # so type_label() treats it like a class
        return self.name


@dataclass(frozen=True)
class VideoCaps:
    """Video capabilities: pixel format and size; None means any."""

    format: str | None = None
    width: int | None = None
    height: int | None = None

    def describe(self) -> str:
        """Human form, e.g. 'yuv420p 1920x1080' or 'any format'."""
        size = f"{self.width or '*'}x{self.height or '*'}" if (self.width or self.height) else ""
        return " ".join(part for part in (self.format or "any format", size) if part)

    def mismatch(self, produced: VideoCaps) -> str | None:
        """Why `produced` does not satisfy these required caps, or None when it does."""
        problems = []
        if self.format and produced.format and self.format != produced.format:
            problems.append(f"pixel format {produced.format} (needs {self.format})")
        if self.width and produced.width and self.width != produced.width:
            problems.append(f"width {produced.width} (needs {self.width})")
        if self.height and produced.height and self.height != produced.height:
            problems.append(f"height {produced.height} (needs {self.height})")
        return ", ".join(problems) or None

    def merge(self, other: VideoCaps) -> VideoCaps:
        """These caps with unknown fields filled in from `other`."""
        return VideoCaps(self.format or other.format, self.width or other.width, self.height or other.height)


@dataclass(frozen=True)
class Port:
    """A typed input or output of a node type, declared on the class."""

    type: Any
    policy: Policy = "queue"
    required: bool = True
    caps: VideoCaps | None = None
    doc: str = ""


def negotiates_caps(port_type: Any) -> bool:
    """True for port types whose ports carry VideoCaps: classes that set `negotiates_caps = True` (the media
    package's VideoFrame does); the graph layer knows no payload class by name."""
    return bool(getattr(port_type, "negotiates_caps", False)) and isinstance(port_type, type)


def type_label(port_type: Any) -> str:
    """Short readable name of a port type."""
    if port_type is Any:
        return "Any"
    return getattr(port_type, "__name__", str(port_type))


def compatible(produced: Any, accepted: Any) -> bool:
    """True when a producer of `produced` may feed a consumer of `accepted`."""
    if accepted is Any or produced is Any:
        return True
    if isinstance(accepted, ArrowTable):
        if not isinstance(produced, ArrowTable):
            return False
        have = {f.name: f.type for f in produced.schema}
        return all(f.name in have and have[f.name] == f.type for f in accepted.schema)
    if isinstance(produced, ArrowTable):
        return False
    if isinstance(produced, type) and isinstance(accepted, type):
        return issubclass(produced, accepted)
    return bool(produced == accepted)
