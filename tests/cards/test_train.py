"""Training: a tiny model for one epoch, logged and registered in MLflow (SQLite), loaded back by models:/ URI."""

from __future__ import annotations

import numpy as np
import pytest

from ggpgfx.cards.infer import CardClassifier
from ggpgfx.cards.locate import PATCH_H, PATCH_W
from ggpgfx.cards.train import TrainConfig, TrainResult, dataset_manifest, fit, train
from ggpgfx.errors import ConfigError


@pytest.mark.slow
def test_train_register_and_load_by_models_uri(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import mlflow

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    epochs: list[dict[str, float]] = []
    config = TrainConfig(epochs=1, scenes=40, val_scenes=10, batch_size=64, output=tmp_path / "tiny.onnx",
                         tracking_uri=uri, experiment="cards-test")
    result = train(config, on_epoch=epochs.append)
    assert result.onnx_path.is_file() and result.model_version == "1" and len(epochs) == 1
    mlflow.set_tracking_uri(uri)
    run = mlflow.get_run(result.run_id)
    assert run.data.params["epochs"] == "1" and "val_accuracy" in run.data.metrics
    assert run.data.params["label_smoothing"] == "0.05"  # the default: old commands reproduce
    assert "held_out_patch_accuracy" in run.data.metrics
    manifest = mlflow.artifacts.load_dict(f"runs:/{result.run_id}/dataset_manifest.json")
    assert manifest["seed"] == 0 and manifest["scenes"] == 40 and manifest["label_smoothing"] == 0.05
    assert "deck:standard" in manifest["held_out_styles"] and manifest["designs"]["standard"]["role"] == "test"
    versions = mlflow.MlflowClient().search_model_versions("name='card-detector'")
    assert [str(v.version) for v in versions] == ["1"]

    classifier = CardClassifier("models:/card-detector/1", tracking_uri=uri)
    assert classifier.classes[-1] == "none" and len(classifier.classes) == 53
    probs = classifier.probabilities(np.zeros((4, PATCH_H, PATCH_W), np.uint8))
    assert probs.shape == (4, 53) and np.allclose(probs.sum(axis=1), 1, atol=1e-4)
    # the same weights as the exported file
    from_file = CardClassifier(str(result.onnx_path)).probabilities(np.full((1, PATCH_H, PATCH_W), 200, np.uint8))
    from_registry = classifier.probabilities(np.full((1, PATCH_H, PATCH_W), 200, np.uint8))
    assert np.allclose(from_file, from_registry, atol=1e-5)
    with pytest.raises(ConfigError, match="cannot load card model"):
        CardClassifier("models:/card-detector/9", tracking_uri=uri)


def test_model_sources_are_checked() -> None:
    with pytest.raises(ConfigError, match="not found"):
        CardClassifier("/nonexistent/model.onnx")
    shipped = CardClassifier()
    assert shipped.classes[:2] == ["2c", "2d"]


def test_label_smoothing_option_is_parsed_checked_and_recorded(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    import ggpgfx.cards.train as train_module
    from ggpgfx.cards.cli import cards_app

    seen: list[TrainConfig] = []

    def fake_train(config: TrainConfig, on_epoch=None) -> TrainResult:  # type: ignore[no-untyped-def]
        seen.append(config)
        return TrainResult(config.output, 0.5, 0.5, 1.0)

    monkeypatch.setattr(train_module, "train", fake_train)
    runner = CliRunner()
    common = ["train", "--scenes", "10", "--epochs", "1", "--no-register", "--output", str(tmp_path / "m.onnx")]
    assert runner.invoke(cards_app, common).exit_code == 0
    assert runner.invoke(cards_app, [*common, "--label-smoothing", "0"]).exit_code == 0
    assert [c.label_smoothing for c in seen] == [0.05, 0.0]
    assert runner.invoke(cards_app, [*common, "--label-smoothing", "0.7"]).exit_code == 2  # out of range
    assert len(seen) == 2
    assert dataset_manifest(TrainConfig(label_smoothing=0.01))["label_smoothing"] == 0.01
    with pytest.raises(ValueError, match="label_smoothing"):
        fit(TrainConfig(label_smoothing=1.0, output=tmp_path / "x.onnx"))  # refused before any data is made
