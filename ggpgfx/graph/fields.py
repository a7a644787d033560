"""Param types that say what a string means to the outside world: a file read, a file written, a URL, a secret.

Node types annotate their `Params` fields with these instead of plain `str`, so that the run policy
(`ggpgfx.policy`) finds every path and network destination of any node type, built-in or third-party,
without knowing the node. Values are still plain strings (or `SecretStr`) to the node.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, SecretStr

Access = Literal["read", "write", "url", "address", "secret", "options", "format"]


@dataclass(frozen=True)
class Resource:
    """Marker in `Annotated[...]`: what the string names and how the node uses it."""

    access: Access
    #: 'read'/'write': a value with a URL scheme is a network source/destination (checked as a URL).
    urls: bool = False
    #: 'read': a bare name (letters, digits, '-', '_') names something bundled with ggpgfx, not a file.
    names: bool = False
    #: schemes that are neither files nor network (e.g. 'models' for the model registry), passed through.
    schemes: tuple[str, ...] = ()
    #: `${destinations.NAME.*}` placeholders may be substituted here (output URLs and stream keys).
    secret: bool = False


#: A file or folder the node reads.
FilePath = Annotated[str, Resource("read")]
#: A file or folder the node creates or writes.
OutputPath = Annotated[str, Resource("write")]
#: A file path or a network URL the node reads media from.
MediaSource = Annotated[str, Resource("read", urls=True)]
#: A network URL the node connects to (never a file).
MediaUrl = Annotated[str, Resource("url")]
#: A network URL the node publishes to; destination placeholders are allowed here.
OutputUrl = Annotated[str, Resource("url", secret=True)]
#: A stream key or password; destination placeholders are allowed here.
StreamKey = Annotated[SecretStr, Resource("secret", secret=True)]
#: host:port[,host:port] of a service the node connects to.
NetAddress = Annotated[str, Resource("address")]
#: FFmpeg options (name -> value): under a policy no value may name a file, a URL or a protocol list.
FfmpegOptions = Annotated[dict[str, str], Resource("options")]
#: An FFmpeg container (muxer) name: under a policy only single-file containers.
Container = Annotated[str, Resource("format")]
#: A file path or a network URL the node writes to (publish.tee destinations).
OutputTarget = Annotated[str, Resource("write", urls=True)]
#: A shipped model's name, a model file, or a `models:/NAME/VERSION` reference to the model registry.
ModelRef = Annotated[str, Resource("read", names=True, schemes=("models",))]
#: A bundled name (such as a skin) or a folder/file path.
NameOrPath = Annotated[str, Resource("read", names=True)]


@dataclass(frozen=True)
class Found:
    """One declared value inside a params object."""

    field: str
    path: tuple[str | int, ...]
    value: str
    resource: Resource


def _markers(annotation: Any) -> list[Resource]:
    return [m for m in getattr(annotation, "__metadata__", ()) if isinstance(m, Resource)]


def declares_resources(annotation: Any) -> bool:
    """True when an annotation contains a Resource marker anywhere (in unions, lists, dicts, nested models)."""
    if _markers(annotation):
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return any(declares_resources(info.annotation) or any(isinstance(m, Resource) for m in info.metadata)
                   for info in annotation.model_fields.values())
    return any(declares_resources(arg) for arg in typing.get_args(annotation))


def _walk(annotation: Any, value: Any, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], str,
                                                                                      Resource]]:
    markers = _markers(annotation)
    if markers:
        if isinstance(value, SecretStr):
            yield path, value.get_secret_value(), markers[0]
        elif isinstance(value, str):
            yield path, value, markers[0]
        elif isinstance(value, dict):  # FfmpegOptions: every value, keyed by its option name
            for key, item in value.items():
                if isinstance(item, str):
                    yield (*path, str(key)), item, markers[0]
        return
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) and isinstance(value, BaseModel):
        for name, info in type(value).model_fields.items():
            inner = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
            yield from _walk(inner, getattr(value, name, None), (*path, name))
        return
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Union or origin is types.UnionType:
        for arm in args:
            if declares_resources(arm) and _fits(arm, value):
                yield from _walk(arm, value, path)
                return
    elif origin in (list, tuple, set, frozenset) and isinstance(value, list | tuple | set | frozenset) and args:
        for index, item in enumerate(value):
            yield from _walk(args[0], item, (*path, index))
    elif origin is dict and isinstance(value, dict) and len(args) == 2:
        for key, item in value.items():
            yield from _walk(args[1], item, (*path, str(key)))
    elif origin is Annotated and args:
        yield from _walk(args[0], value, path)


def _fits(annotation: Any, value: Any) -> bool:
    """Whether a value could belong to this arm of a union (by its container kind)."""
    base = typing.get_origin(annotation) or annotation
    if base is Annotated:
        base = typing.get_args(annotation)[0]
        base = typing.get_origin(base) or base
    if base in (str, SecretStr):
        return isinstance(value, str | SecretStr)
    if isinstance(base, type):
        try:
            return isinstance(value, base)
        except TypeError:
            return False
    return False


def find_resources(params: BaseModel) -> list[Found]:
    """Every path, URL, address and secret in a params object, by the markers of its fields."""
    found: list[Found] = []
    for name, info in type(params).model_fields.items():
        annotation = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
        for path, value, marker in _walk(annotation, getattr(params, name, None), (name,)):
            found.append(Found(name, path, value, marker))
    return found


def resource_fields(model: type[BaseModel]) -> dict[str, list[Resource]]:
    """Fields of a params model that declare resources, with their markers (for docs and contract tests)."""
    out: dict[str, list[Resource]] = {}
    for name, info in model.model_fields.items():
        markers = [m for m in info.metadata if isinstance(m, Resource)]
        markers += _nested_markers(info.annotation)
        if markers:
            out[name] = markers
    return out


def _nested_markers(annotation: Any) -> list[Resource]:
    found = list(_markers(annotation))
    for arg in typing.get_args(annotation):
        found += _nested_markers(arg)
    return found


DEVICE_NAMES = "auto, cpu, cuda or cuda:N"


def device_name(value: str) -> str:
    """Check and normalise a node's `device` param: 'auto', 'cpu', 'cuda' or 'cuda:N' (ValueError otherwise)."""
    text = str(value).strip().lower()
    if text in ("auto", "cpu", "cuda"):
        return text
    if text.startswith("cuda:") and text[5:].isdigit():
        return f"cuda:{int(text[5:])}"
    raise ValueError(f"device must be {DEVICE_NAMES}, got {value!r}")


#: Where a node's kernels run: `auto` (CUDA when present), `cpu`, `cuda` or `cuda:N`. The runtime resolves it
#: (`ggpgfx.runtime.devices`): a CUDA request on a machine without CUDA runs on the CPU and says so once.
Device = Annotated[str, AfterValidator(device_name)]
