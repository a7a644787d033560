"""Param types that declare paths, URLs and secrets: found through any node type, required by a contract."""

from __future__ import annotations

import re
import typing
from typing import Any

import pytest
from pydantic import BaseModel, Field, SecretStr

from ggpgfx.graph.fields import (
    FilePath,
    MediaSource,
    OutputPath,
    StreamKey,
    declares_resources,
    find_resources,
)
from ggpgfx.graph.registry import load_all

#: Param names that usually hold a file, a folder or an address.
RESOURCE_NAME = re.compile(r"(path|file|folder|dir|url|uri|source|target|bootstrap|deck|hands|skin|sponsor|model|"
                           r"logo|image|font|antenna|options|format|journal|log|spill|record|output|dest)", re.I)


class Example(BaseModel):
    """A params model using every shape the walker supports."""

    source: MediaSource
    out: OutputPath | None = None
    logos: list[FilePath] | None = None
    table: dict[str, str] | FilePath | None = None
    key: StreamKey | None = None
    count: int = Field(3)


def test_find_resources_walks_unions_lists_and_secrets() -> None:
    params = Example(source="rtmp://a/b", out="o.mp4", logos=["a.png", "b.png"], table={"1": "seat:1"},
                     key=SecretStr("s3cret"))
    found = {(f.path, f.value, f.resource.access) for f in find_resources(params)}
    assert found == {(("source",), "rtmp://a/b", "read"), (("out",), "o.mp4", "write"),
                     (("logos", 0), "a.png", "read"), (("logos", 1), "b.png", "read"),
                     (("key",), "s3cret", "secret")}
    assert [f.value for f in find_resources(Example(source="x", table="seats.json")) if f.field == "table"] == \
        ["seats.json"]


def _plain_string(annotation: Any) -> bool:
    if annotation is str:
        return True
    return any(_plain_string(arg) for arg in typing.get_args(annotation)
               if typing.get_origin(annotation) is not typing.Literal)


def _fields(model: type[BaseModel], prefix: str = "") -> list[tuple[str, Any]]:
    """Every field of a params model, nested models' fields included (`destinations.target`)."""
    out: list[tuple[str, Any]] = []
    for name, info in model.model_fields.items():
        out.append((prefix + name, info))
        args = typing.get_args(info.annotation)
        for candidate in (info.annotation, *args, *[inner for outer in args for inner in typing.get_args(outer)]):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                out += _fields(candidate, f"{prefix}{name}.")
    return out


@pytest.mark.parametrize("type_name", sorted(load_all()))
def test_every_path_or_url_param_declares_it(type_name: str) -> None:
    """A node type whose `path`/`url`/`source`/`options`/... param is a plain str (or str dict) would escape
    the run policy; nested models (publish.tee destinations) count too."""
    cls = load_all()[type_name]
    for name, info in _fields(cls.Params):
        annotation = typing.Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
        leaf = name.rsplit(".", 1)[-1]
        if RESOURCE_NAME.search(leaf) and _plain_string(info.annotation) and not declares_resources(annotation):
            pytest.fail(f"{type_name}: param '{name}' looks like a path, URL or FFmpeg options but is plain; "
                        "annotate it with ggpgfx.graph.fields (FilePath, OutputPath, MediaSource, FfmpegOptions...)")
