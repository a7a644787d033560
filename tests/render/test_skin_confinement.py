"""A skin that is not bundled names only its own files: fonts, images and `extends` resolve inside its folder
(or to a bundled skin by name). A tenant's skin.yaml must not draw another tenant's logo, or any image on the
server, into its video."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from ggpgfx.errors import ConfigError
from ggpgfx.render.skins import load_skin


def _skin(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "skin.yaml").write_text("name: hostile\ntitle: Hostile\n" + body)
    return folder


def _secret_logo(tmp_path: Path) -> Path:
    other = tmp_path / "other-tenant"
    other.mkdir()
    Image.new("RGBA", (8, 8), (255, 0, 0, 255)).save(other / "logo.png")
    return other / "logo.png"


def test_an_image_outside_the_skin_folder_is_not_found(tmp_path: Path) -> None:
    secret = _secret_logo(tmp_path)
    for reference in (str(secret), "../other-tenant/logo.png"):
        folder = _skin(tmp_path / f"mine-{len(reference)}", f"extends: broadcast\nimages: {{logo: '{reference}'}}\n")
        skin = load_skin(str(folder))
        assert skin.image_path("logo") is None, reference


def test_a_link_out_of_the_skin_folder_is_not_followed(tmp_path: Path) -> None:
    secret = _secret_logo(tmp_path)
    folder = _skin(tmp_path / "mine", "extends: broadcast\nimages: {logo: stolen.png}\n")
    (folder / "stolen.png").symlink_to(secret)
    assert load_skin(str(folder)).image_path("logo") is None


def test_an_own_image_and_font_are_found(tmp_path: Path) -> None:
    folder = _skin(tmp_path / "mine", "extends: broadcast\nimages: {logo: art/logo.png}\n")
    (folder / "art").mkdir()
    Image.new("RGBA", (8, 8)).save(folder / "art" / "logo.png")
    skin = load_skin(str(folder))
    assert skin.image_path("logo") == folder / "art" / "logo.png"
    assert skin.font_path("regular").is_file()  # broadcast's, through extends


def test_a_font_outside_the_skin_folder_is_refused(tmp_path: Path) -> None:
    stray = tmp_path / "stray.ttf"
    stray.write_bytes(Path(load_skin("broadcast").font_path("regular")).read_bytes())
    folder = _skin(tmp_path / "mine", f"extends: broadcast\nfonts: {{regular: '{stray}'}}\n")
    with pytest.raises(ConfigError, match="not found"):
        load_skin(str(folder)).font_path("regular")


@pytest.mark.parametrize("parent", ["ABSOLUTE", "../other", "../../other", "nosuchskin"])
def test_extends_outside_the_skin_folder_is_refused(tmp_path: Path, parent: str) -> None:
    other = _skin(tmp_path / "other", "extends: broadcast\ncolors: {accent: '#123456'}\n")
    target = str(other) if parent == "ABSOLUTE" else parent
    folder = _skin(tmp_path / "a" / "mine", f"extends: '{target}'\n")
    with pytest.raises(ConfigError, match="extends"):
        load_skin(str(folder))


def test_extends_a_skin_inside_its_own_folder(tmp_path: Path) -> None:
    folder = _skin(tmp_path / "mine", "extends: base\n")
    _skin(folder / "base", "extends: broadcast\ncolors: {accent: '#123456'}\n")
    assert load_skin(str(folder)).colors["accent"].lower() == "#123456"
