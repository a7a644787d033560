"""Card-index classification with ONNX Runtime on the CPU; models come from the package, a file or MLflow."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ggpgfx.cards.locate import normalise
from ggpgfx.errors import ConfigError

DEFAULT_MODEL = Path(__file__).parent / "models" / "card-detector.onnx"


def load_model_bytes(source: str | Path | None = None, tracking_uri: str | None = None) -> bytes:
    """ONNX bytes of the shipped model (None or "default"), a file path, or an MLflow `models:/` URI."""
    if source is None or str(source) in ("", "default"):
        path = DEFAULT_MODEL
        if not path.is_file():
            raise ConfigError(f"the shipped card model is missing ({path}); run `ggp cards train`")
        return path.read_bytes()
    text = str(source)
    if text.startswith(("models:/", "runs:/")):
        import mlflow
        import mlflow.onnx

        from ggpgfx.cards.train import default_tracking_uri

        mlflow.set_tracking_uri(tracking_uri or default_tracking_uri())
        try:
            proto = mlflow.onnx.load_model(text)
        except Exception as exc:  # mlflow raises its own exception types for unknown names/versions
            raise ConfigError(f"cannot load card model {text}: {exc}") from exc
        return bytes(proto.SerializeToString())
    path = Path(text).expanduser()
    if not path.is_file():
        raise ConfigError(f"card model file not found: {path}")
    return path.read_bytes()


class CardClassifier:
    """Classifies pairs of corner patches (one card each) into a card and a confidence."""

    def __init__(self, source: str | Path | None = None, threads: int = 1, tracking_uri: str | None = None) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.session = ort.InferenceSession(load_model_bytes(source, tracking_uri), options,
                                            providers=["CPUExecutionProvider"])
        meta: dict[str, Any] = self.session.get_modelmeta().custom_metadata_map
        if "classes" not in meta:
            raise ConfigError("card model has no 'classes' metadata: export it with ggpgfx.cards.model.export_onnx")
        self.classes: list[str] = meta["classes"].split(",")
        self.none_index = self.classes.index("none")
        self.input_name = self.session.get_inputs()[0].name

    def probabilities(self, patches: np.ndarray) -> np.ndarray:
        """Softmax over classes for uint8 patches (N, H, W)."""
        if len(patches) == 0:
            return np.zeros((0, len(self.classes)), np.float32)
        logits = self.session.run(None, {self.input_name: normalise(patches)})[0]
        logits = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return np.asarray(exp / exp.sum(axis=1, keepdims=True))

    def classify(self, patches: np.ndarray) -> list[tuple[str | None, float]]:
        """One (card or None, confidence) per consecutive pair of corner patches."""
        probs = self.probabilities(patches)
        results: list[tuple[str | None, float]] = []
        none = self.none_index
        for i in range(0, len(probs) - 1, 2):
            first, second = probs[i], probs[i + 1]
            a, b = int(first.argmax()), int(second.argmax())
            if a == b:
                label, confidence = a, float((first[a] + second[a]) / 2)
            elif a == none:  # one corner hidden (a finger, a chip): trust the other, a little less
                label, confidence = b, float(second[b]) * 0.9
            elif b == none:
                label, confidence = a, float(first[a]) * 0.9
            else:
                mean = (first + second) / 2
                label = int(mean.argmax())
                confidence = float(mean[label]) * 0.8
            results.append((None if label == none else self.classes[label], confidence))
        return results
