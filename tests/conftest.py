"""Shared fixtures: an isolated GGP_HOME per test session and the executor parametrisation."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

_HOME = Path(tempfile.mkdtemp(prefix="ggp-test-home-"))
os.environ.setdefault("GGP_HOME", str(_HOME))

#: Executors every runtime-semantics test runs under (the Ray executor adds "ray" here).
EXECUTORS = ["local"]


@pytest.fixture(params=EXECUTORS)
def executor(request: pytest.FixtureRequest) -> str:
    """Name of the executor a graph test runs on."""
    return str(request.param)


@pytest.fixture(params=["threads", "fused"])
def scheduler(request: pytest.FixtureRequest) -> str:
    """The local executor's scheduling mode."""
    return str(request.param)


@pytest.fixture
def fixtures_dir() -> Path:
    """tests/fixtures."""
    return Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session", autouse=True)
def _test_node_types() -> None:
    """Register the `test.*` node types."""
    import importlib.util
    import sys

    if "ggp_testnodes" not in sys.modules:
        spec = importlib.util.spec_from_file_location("ggp_testnodes", Path(__file__).parent / "testnodes.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules["ggp_testnodes"] = module
        spec.loader.exec_module(module)
