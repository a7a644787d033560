"""Shared fixtures: an isolated GGP_HOME per test session and the executor parametrisation."""

from __future__ import annotations

import os
import signal
import tempfile
from pathlib import Path

import pytest

# A harness started in the background (`make test &`, nohup) ignores SIGINT, and exec'd children inherit an
# ignored signal: the `ggp run`/`ggp serve` processes the tests stop with Ctrl-C would never see it (Python
# installs no KeyboardInterrupt handler when SIGINT starts ignored). A handled signal resets to the default in
# children, so handling it here gives every child its Ctrl-C back.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

_HOME = Path(tempfile.mkdtemp(prefix="ggp-test-home-"))
os.environ.setdefault("GGP_HOME", str(_HOME))

#: Executors every runtime-semantics test runs under (the Ray executor adds "ray" here).
EXECUTORS = ["local", "ray"]


@pytest.fixture(params=EXECUTORS)
def executor(request: pytest.FixtureRequest) -> str:
    """Name of the executor a graph test runs on."""
    if request.param == "ray":
        request.getfixturevalue("ray_session")
    return str(request.param)


@pytest.fixture(scope="session")
def ray_session():  # type: ignore[no-untyped-def]
    """ONE embedded Ray instance for the whole test session (explicit temp dir, no dashboard, 1 fake GPU)."""
    ray = pytest.importorskip("ray")
    # A throwaway local cluster: token auth off on purpose (see docs/ray.md).
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    if not ray.is_initialized():
        ray.init(address="local", num_cpus=2, num_gpus=1, include_dashboard=False, logging_level="WARNING",
                 log_to_driver=False, _temp_dir="/tmp/ggpray-test",
                 _system_config={"metrics_report_interval_ms": 1000})
    yield ray
    ray.shutdown()


@pytest.fixture(params=["auto", "threads", "fused"])
def scheduler(request: pytest.FixtureRequest) -> str:
    """The local executor's scheduling mode."""
    return str(request.param)


@pytest.fixture
def nginx(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A private nginx with libnginx-mod-rtmp on 127.0.0.1 and a free port, recording under tmp_path (stopped after)."""
    from ggpgfx.media.rtmp_server import NginxRtmp, nginx_available

    missing = nginx_available()
    if missing:
        pytest.fail(f"{missing}; the CI installs it from scripts/apt-packages.txt")
    server = NginxRtmp(tmp_path / "nginx")
    server.start()
    try:
        yield server
    finally:
        server.stop()


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


@pytest.fixture
def fake_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    """One pretend CUDA device: `device: cuda` resolves to cuda:0 and the device path runs on torch CPU tensors."""
    pytest.importorskip("torch")
    from ggpgfx.runtime import devices

    monkeypatch.setattr(devices, "cuda_device_count", lambda: 1)
    monkeypatch.setattr(devices, "kernels_missing", lambda: None)
    monkeypatch.setattr(devices, "kernel_device", lambda device: "cpu")
