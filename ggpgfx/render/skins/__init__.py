"""Skins: folders with a `skin.yaml` layout, fonts and images; loading, inheritance and listing."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ggpgfx.errors import ConfigError

SKINS_ROOT = Path(__file__).resolve().parent


class Animation(BaseModel):
    """How an element enters, leaves or counts: kind, duration and easing curve."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["none", "fade", "slide"] = "fade"
    duration_ms: int = Field(300, ge=0, le=10_000)
    easing: str = "ease_out_cubic"
    direction: Literal["left", "right", "top", "bottom"] = "left"


class Animations(BaseModel):
    """The skin's animation set."""

    model_config = ConfigDict(extra="forbid")
    enter: Animation = Animation(type="slide")
    exit: Animation = Animation(type="fade", duration_ms=200, easing="linear")
    count_up: Animation = Animation(type="none", duration_ms=600)
    #: jump: equity shows each new value at once (a percentage counting up from the last street's
    #: value was never true); count: it counts up like stacks. Broadcast skins jump.
    equity: Literal["jump", "count"] = "jump"


class Box(BaseModel):
    """An element's rectangle at the layout's reference resolution, plus element-specific extras."""

    model_config = ConfigDict(extra="allow")
    x: float
    y: float
    w: float
    h: float

    def extra(self, key: str, default: Any) -> Any:
        """An element-specific setting (such as `gap` or `rows`)."""
        return (self.model_extra or {}).get(key, default)


class LayoutSpec(BaseModel):
    """Element boxes at one reference resolution (a landscape and a portrait layout per skin)."""

    model_config = ConfigDict(extra="forbid")
    reference: tuple[int, int]
    elements: dict[str, Box]


class Skin(BaseModel):
    """A loaded skin: colours, fonts, shape style, chip format, animations and layouts."""

    model_config = ConfigDict(extra="forbid")
    name: str
    title: str
    description: str = ""
    extends: str | None = None
    fonts: dict[str, str]
    colors: dict[str, str]
    suit_colors: dict[str, str]
    radius: float = 8
    border: float = 2
    shadow: bool = True
    uppercase_names: bool = True
    chip_format: Literal["exact", "short", "bb"] = "exact"
    animation: Animations = Animations()
    images: dict[str, str] = Field(default_factory=dict)
    layouts: dict[str, LayoutSpec]
    #: pairs of element names whose boxes may overlap (the on-air audit fails on any other overlap)
    overlaps: list[tuple[str, str]] = Field(default_factory=list)
    folder: Path = Field(default=SKINS_ROOT, exclude=True)
    font_folders: list[Path] = Field(default_factory=list, exclude=True)

    def color(self, key: str) -> str:
        """A named colour (`#rrggbb` or `#rrggbbaa`)."""
        try:
            return self.colors[key]
        except KeyError:
            raise ConfigError(f"skin '{self.name}' has no colour '{key}'") from None

    def font_path(self, key: str) -> Path:
        """The file of a named font, looked up in this skin's folder then in the skins it extends."""
        relative = self.fonts.get(key) or self.fonts.get("regular")
        if relative is None:
            raise ConfigError(f"skin '{self.name}' has no font '{key}'")
        found = _find_file((self.folder, *self.font_folders), relative)
        if found is None:
            raise ConfigError(f"skin '{self.name}': font file {relative} not found in {self.folder}")
        return found

    def image_path(self, key: str) -> Path | None:
        """The file of a named image, or None when the skin has none."""
        relative = self.images.get(key)
        if relative is None:
            return None
        return _find_file((self.folder, *self.font_folders), relative)

    def layout_for(self, width: int, height: int) -> LayoutSpec:
        """The layout whose reference aspect is closest to the output's (portrait for 9:16)."""
        aspect = width / height
        return min(self.layouts.values(), key=lambda lay: abs(lay.reference[0] / lay.reference[1] - aspect))


@functools.lru_cache(maxsize=1024)
def _find_file(folders: tuple[Path, ...], relative: str) -> Path | None:
    """The first `folder / relative` that is a file (cached: every text of every redraw asks for its font, and
    a skin's bundled files do not come and go while it draws)."""
    for folder in folders:
        candidate = _inside(folder, relative)
        if candidate is not None and candidate.is_file():
            return candidate
    return None


def _inside(folder: Path, relative: str) -> Path | None:
    """`folder / relative` when it stays inside `folder` once links and `..` are resolved, else None: a skin
    names its own files, never the server's (an absolute path or `../..` in a tenant's skin.yaml would
    otherwise draw another tenant's logo, or any image on the server, into this tenant's video)."""
    candidate = folder / relative
    try:
        inside = candidate.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError, ValueError):
        return None
    return candidate if inside else None


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _skin_folder(name: str) -> Path:
    candidate = Path(name)
    if ("/" in name or name.startswith(".")) and (candidate / "skin.yaml").is_file():
        return candidate.resolve()
    folder = SKINS_ROOT / name
    if not (folder / "skin.yaml").is_file():
        known = ", ".join(s["name"] for s in list_skins())
        raise ConfigError(f"unknown skin {name!r}; known skins: {known} (or a folder path with a skin.yaml)")
    return folder


def is_bundled(file: Path) -> bool:
    """Whether a skin file ships inside this package once links and `..` are resolved (a tenant's never is)."""
    return file.resolve().is_relative_to(SKINS_ROOT)


def _parse(file: Path, text: str) -> Any:
    """A skin file's data: bundled files (shipped, trusted) through libyaml, ~10x faster (issue #21 start-up);
    any other through the bounded reader, since a tenant's skin may be hostile. The choice rests on where
    the file is, never on a name or parameter a tenant sets."""
    import yaml

    if is_bundled(file) and yaml.__with_libyaml__:
        return yaml.load(text, Loader=yaml.CSafeLoader)
    from ggpgfx.graph.load import load_data

    return load_data(text, str(file))


def _raw(folder: Path, depth: int = 0) -> tuple[dict[str, Any], list[Path]]:
    if depth > 4:
        raise ConfigError(f"skin {folder}: 'extends' chain too deep")
    try:
        text = (folder / "skin.yaml").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"skin {folder / 'skin.yaml'}: cannot read: {exc}") from None
    data = _parse(folder / "skin.yaml", text) or {}
    if not isinstance(data, dict):
        raise ConfigError(f"skin {folder / 'skin.yaml'}: expected a mapping")
    parent = data.get("extends")
    if not parent:
        return data, []
    parent_folder = _parent_folder(folder, str(parent))
    base, folders = _raw(parent_folder, depth + 1)
    return _merge(base, data), [parent_folder, *folders]


def _parent_folder(folder: Path, parent: str) -> Path:
    """The skin a skin `extends`: a bundled skin extends a bundled one by name; any other skin extends a
    bundled skin by name or a skin folder beneath its own (`extends: base` with `base/skin.yaml` beside
    its `skin.yaml`), never a folder elsewhere on the server."""
    if is_bundled(folder / "skin.yaml"):
        return _skin_folder(parent)
    nested = _inside(folder, parent)
    if nested is not None and (nested / "skin.yaml").is_file():
        return nested.resolve()
    if "/" in parent or "\\" in parent or parent.startswith(".") or not (SKINS_ROOT / parent / "skin.yaml").is_file():
        known = ", ".join(s["name"] for s in list_skins())
        raise ConfigError(f"skin {folder / 'skin.yaml'}: extends {parent!r}: a skin extends a bundled skin "
                          f"({known}) or a skin folder inside its own folder")
    return SKINS_ROOT / parent


@functools.lru_cache(maxsize=32)
def load_skin(name: str = "broadcast") -> Skin:
    """Load a bundled skin by name (or a skin folder by path), applying `extends`."""
    folder = _skin_folder(name)
    data, parents = _raw(folder)
    try:
        skin = Skin.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"skin {folder / 'skin.yaml'}: {where}: {first['msg']}") from None
    skin.folder = folder
    skin.font_folders = parents
    return skin


def list_skins() -> list[dict[str, Any]]:
    """The bundled skins: name, title, description, reference size and the layouts they offer."""
    result = []
    for folder in sorted(p for p in SKINS_ROOT.iterdir() if (p / "skin.yaml").is_file()):
        skin = load_skin(folder.name)
        landscape = skin.layouts.get("landscape") or next(iter(skin.layouts.values()))
        result.append({
            "name": skin.name,
            "title": skin.title,
            "description": skin.description,
            "reference_size": list(landscape.reference),
            "layouts": {key: list(lay.reference) for key, lay in skin.layouts.items()},
        })
    return result
