"""Card classifier: the torch ONNX runner (CPU here, CUDA when present) against ONNX Runtime."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from ggpgfx.operators_gpu.classifier import CardClassifier, default_model
from ggpgfx.operators_gpu.onnx_torch import OnnxTorchModel

from ggpgfx.errors import ConfigError


def _export(path: Path, classes: int = 52) -> Path:
    """A small seeded CNN (conv, batch norm, pools, dense) exported to ONNX with a dynamic batch."""
    import torch

    torch.manual_seed(0)
    norm = torch.nn.BatchNorm2d(8)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3, padding=1), norm, torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(8, 16, 3, stride=2, padding=(0, 1)), torch.nn.LeakyReLU(0.1), torch.nn.AvgPool2d(2),
        torch.nn.Conv2d(16, 16, 1), torch.nn.Hardswish(), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(),
        torch.nn.Linear(16, 32), torch.nn.Sigmoid(), torch.nn.Dropout(0.2), torch.nn.Linear(32, classes))
    with torch.no_grad():
        norm.running_mean.uniform_(-0.5, 0.5)  # type: ignore[union-attr]
        norm.running_var.uniform_(0.5, 1.5)  # type: ignore[union-attr]
    model.eval()
    torch.onnx.export(model, (torch.zeros(1, 3, 40, 32),), str(path), dynamo=False, input_names=["input"],
                      output_names=["logits"], dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    return path


@pytest.fixture(scope="module")
def model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _export(tmp_path_factory.mktemp("model") / "cards.onnx")


@pytest.fixture
def crops() -> np.ndarray:
    return np.random.default_rng(4).integers(0, 256, (64, 40, 32, 3), dtype=np.uint8)


def test_torch_runner_matches_onnxruntime(model_path: Path, crops: np.ndarray, device: str) -> None:
    cpu = CardClassifier(model_path, device="cpu", backend="onnxruntime", mean=(0.5, 0.5, 0.5), std=(0.25,) * 3)
    gpu = CardClassifier(model_path, device=device, backend="torch", mean=(0.5, 0.5, 0.5), std=(0.25,) * 3)
    expected = cpu(crops)
    got = gpu(crops)
    assert isinstance(got, np.ndarray) and got.shape == expected.shape == (64, 52)
    assert np.allclose(got, expected, atol=1e-5)
    assert np.allclose(expected.sum(1), 1.0, atol=1e-5)
    assert np.array_equal(gpu.classify(crops)[0], expected.argmax(1))


def test_device_crops_stay_on_device(model_path: Path, crops: np.ndarray, device: str) -> None:
    import torch

    classifier = CardClassifier(model_path, device=device, backend="torch", softmax=False)
    on_device = torch.as_tensor(crops).to(device)
    logits = classifier(on_device)
    assert isinstance(logits, torch.Tensor) and logits.device.type == torch.device(device).type
    reference = CardClassifier(model_path, backend="onnxruntime", softmax=False)(crops)
    assert np.allclose(logits.cpu().numpy(), reference, atol=1e-4)


def test_auto_backend_and_errors(model_path: Path, tmp_path: Path) -> None:
    from ggpgfx.operators_gpu.device import cuda_available

    auto = CardClassifier(model_path)
    assert auto.backend == ("torch" if cuda_available() else "onnxruntime")
    with pytest.raises(ConfigError, match="not found"):
        CardClassifier(tmp_path / "missing.onnx")
    with pytest.raises(ConfigError, match="unknown classifier backend"):
        CardClassifier(model_path, backend="tensorflow")


def test_unsupported_operator_is_named(tmp_path: Path) -> None:
    import onnx
    from onnx import TensorProto, helper

    node = helper.make_node("Einsum", ["x", "x"], ["y"], equation="ij,ij->i")
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
    path = tmp_path / "einsum.onnx"
    onnx.save(helper.make_model(graph), str(path))
    with pytest.raises(ConfigError, match="Einsum"):
        OnnxTorchModel(path)


@pytest.mark.skipif(default_model() is None, reason="no card model shipped under ggpgfx/cards/models yet")
def test_shipped_card_model(device: str) -> None:
    """The cards engineer's model on luma patches: same probabilities as their own ONNX Runtime classifier."""
    from ggpgfx.cards.infer import CardClassifier as ShippedClassifier

    path = default_model()
    assert path is not None
    gpu = CardClassifier(path, device=device, backend="torch")
    assert gpu.normalise == "per_patch" and gpu.channels == 1 and "none" in gpu.classes
    patches = np.random.default_rng(1).integers(0, 256, (16, 48, 32), dtype=np.uint8)
    expected = ShippedClassifier(path).probabilities(patches)
    assert np.allclose(gpu(patches), expected, atol=1e-4)
    assert np.allclose(CardClassifier(path, backend="onnxruntime")(patches), expected, atol=1e-5)
    with pytest.raises(ConfigError, match="1-channel"):
        gpu(np.zeros((2, 48, 32, 3), np.uint8))
