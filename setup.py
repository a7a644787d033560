"""Package mapping: `nodes/` installs as `ggpgfx.nodes`, `operators_gpu/` as `ggpgfx.operators_gpu`."""

from setuptools import find_packages, setup

MAPPED = {"ggpgfx.nodes": "nodes", "ggpgfx.operators_gpu": "operators_gpu"}


def _packages() -> list[str]:
    packages = find_packages(include=["ggpgfx", "ggpgfx.*"])
    for dotted, folder in MAPPED.items():
        for sub in find_packages(include=[folder, folder + ".*"]):
            packages.append(dotted + sub[len(folder):])
    return packages


EXTS = ["yaml", "yml", "json", "ttf", "otf", "png", "onnx", "phh", "phhs", "txt", "ini", "mako", "html", "js", "css", "npz", "md"]
DATA = [f"**/*.{ext}" for ext in EXTS] + [f"*.{ext}" for ext in EXTS] + ["**/LICENSE*"]
# Alembic migrations are Python files in folders that are not packages.
DATA += ["migrations/*.py", "migrations/versions/*.py"]

setup(
    packages=_packages(),
    package_dir=MAPPED,
    package_data={"": DATA},
    include_package_data=True,
)
