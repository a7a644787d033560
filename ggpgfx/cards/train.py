"""`ggp cards train`: synthetic data → small CNN on the CPU → ONNX, logged and registered in MLflow."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ggpgfx.cards.dataset import CLASSES, build_patches
from ggpgfx.cards.locate import PATCH_H, PATCH_W, normalise
from ggpgfx.cards.synth import FONT_STYLE_PREFIX, HELD_OUT_BACKGROUNDS, style_names

log = logging.getLogger(__name__)
MODEL_NAME = "card-detector"


@dataclass
class TrainConfig:
    """What to train: data size, epochs, model width, where to write and whether to register."""

    epochs: int = 8
    scenes: int = 6000
    val_scenes: int = 500
    batch_size: int = 128
    learning_rate: float = 3e-3
    width: int = 1
    seed: int = 0
    threads: int = 1
    output: Path = field(default_factory=lambda: Path("card-detector.onnx"))
    tracking_uri: str | None = None
    experiment: str = "cards"
    register: bool = True
    model_name: str = MODEL_NAME
    designs: tuple[str, ...] | None = None  # real deck designs to train on; None: every `train` design
    own_styles: bool = True  # the project's own deck styles too
    capture: bool = True  # glare, motion blur, compression in the scenes
    card_px: tuple[int, int] = (30, 130)
    init: Path | None = None  # fine-tune: start from an exported ONNX model (batch norm folded, kept fixed)
    views: int = 0  # extra jittered cuts of every training card (`dataset.jitter_quad`)
    real_weight: int = 2  # each `train` real design is listed this many times beside the own styles
    own_weight: int = 1  # each own training style is listed this many times (keeps their share as designs grow)
    max_minutes: float | None = None  # stop after the epoch that would overrun this wall-clock budget
    font_styles: int = 0  # random deck styles drawn from the training font pool (`fontpool.py`); 0: none
    font_share: float = 0.4  # about this share of the training cards is drawn in those random styles
    label_smoothing: float = 0.05  # cross-entropy label smoothing; it caps a sure right answer near 1 - this


@dataclass
class TrainResult:
    """Where the model went and how good it is."""

    onnx_path: Path
    val_accuracy: float
    held_out_accuracy: float
    seconds: float
    run_id: str | None = None
    model_uri: str | None = None
    model_version: str | None = None
    history: list[dict[str, float]] = field(default_factory=list)


def default_tracking_uri() -> str:
    """SQLite tracking under GGP_HOME (`$GGP_HOME/mlflow/mlflow.db`)."""
    from ggpgfx.config import ggp_home

    folder = ggp_home() / "mlflow"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'mlflow.db'}"


def training_styles(config: TrainConfig) -> tuple[list[str], list[str], list[str]]:
    """Style names for training, validation and held-out patches.

    Training: the project's own training styles (each listed `own_weight` times) plus the `train` real designs
    (each listed `real_weight` times: with 2 and the six real designs of round 2, about half of the cards).
    Validation: the `validation` designs. Held out: the `test` designs and
    the project's own held-out styles. Without the Debian decks installed, only the project's own styles.
    """
    from ggpgfx.cards.designs import available, installed_designs
    from ggpgfx.cards.synth import DESIGN_PREFIX

    own = style_names(False) * max(1, config.own_weight) if config.own_styles else []
    if not available():
        log.warning("real deck designs not installed (kdegames-card-data-kf5, librsvg2-bin): own styles only")
        return with_font_styles(own or style_names(False), config), style_names(False), style_names(True)
    chosen = list(config.designs) if config.designs is not None else installed_designs("train")
    train_styles = own + [DESIGN_PREFIX + d for d in chosen] * (max(1, config.real_weight) if own else 1)
    val = [DESIGN_PREFIX + d for d in installed_designs("validation")]
    held = [DESIGN_PREFIX + d for d in installed_designs("test")] + style_names(True)
    return with_font_styles(train_styles, config), val, held


def with_font_styles(styles: list[str], config: TrainConfig) -> list[str]:
    """`styles` plus `config.font_styles` random font-pool styles (family `config.seed`), the other styles
    repeated so that about `config.font_share` of the cards (a scene draws each card's style uniformly from
    the list) are drawn in the random ones."""
    from ggpgfx.cards.fontpool import style_names as font_style_names

    if config.font_styles <= 0 or not styles:
        return styles
    if not 0.0 < config.font_share < 1.0:
        raise ValueError(f"font_share {config.font_share} must be between 0 and 1")
    repeats = max(1, round(config.font_styles * (1 - config.font_share) / (config.font_share * len(styles))))
    return styles * repeats + font_style_names(config.seed, config.font_styles)


def dataset_manifest(config: TrainConfig) -> dict[str, Any]:
    """Which styles and real designs (with licences), which seeds and sizes made the data: logged to MLflow."""
    from ggpgfx.cards.designs import DESIGNS
    from ggpgfx.cards.fontpool import font_pool

    train_styles, val_styles, held_styles = training_styles(config)
    used = {s.split(":", 1)[1] for s in train_styles + val_styles + held_styles if s.startswith("deck:")}
    fonts = None
    if config.font_styles > 0:
        random_styles = [s for s in train_styles if s.startswith(FONT_STYLE_PREFIX)]
        fonts = {**font_pool().manifest(), "seed": config.seed, "styles": config.font_styles,
                 "share": round(len(random_styles) / max(1, len(train_styles)), 3)}
    return {"seed": config.seed, "scenes": config.scenes, "val_scenes": config.val_scenes,
            "capture": config.capture, "card_px": list(config.card_px), "views": config.views,
            "real_weight": config.real_weight, "own_weight": config.own_weight,
            "label_smoothing": config.label_smoothing,
            "train_styles": sorted({s for s in train_styles if not s.startswith(FONT_STYLE_PREFIX)}),
            "font_pool": fonts, "validation_styles": val_styles, "held_out_styles": held_styles,
            "designs": {name: {"role": d.role, "folder": d.folder, "licence": d.licence}
                        for name, d in DESIGNS.items() if name in used},
            "init": str(config.init) if config.init else None}


def init_from_onnx(model: Any, path: Path) -> None:
    """Load an exported model's weights into `build_model`'s network for fine-tuning.

    The export folded each batch norm into its convolution (a conv with a bias): the conv takes the folded
    weights and the batch norm becomes the identity plus that bias (mean 0, variance 1 - eps, scale 1),
    so it must stay in eval mode while fine-tuning (`freeze_batch_norm`).
    """
    import onnx
    import torch
    from onnx import numpy_helper

    weights = {i.name: numpy_helper.to_array(i) for i in onnx.load(str(path)).graph.initializer}
    convs = [m for m in model if isinstance(m, torch.nn.Conv2d)]
    norms = [m for m in model if isinstance(m, torch.nn.BatchNorm2d)]
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    conv_w = [w for w in weights.values() if w.ndim == 4]
    conv_b = [weights[n] for n in weights if n.startswith("onnx::Conv") and weights[n].ndim == 1]
    dense = [(weights[f"{k}.weight"], weights[f"{k}.bias"]) for k in sorted({n.split(".")[0] for n in weights
                                                                             if n.endswith(".weight")}, key=int)]
    if not (len(conv_w) == len(conv_b) == len(convs) == len(norms) and len(dense) == len(linears)):
        raise ValueError(f"{path}: not an export of this network (width or layers differ)")
    with torch.no_grad():
        for conv, norm, w, b in zip(convs, norms, conv_w, conv_b, strict=True):
            if tuple(conv.weight.shape) != w.shape:
                raise ValueError(f"{path}: layer shape {w.shape} != {tuple(conv.weight.shape)}")
            conv.weight.copy_(torch.from_numpy(np.array(w)))
            assert norm.running_mean is not None and norm.running_var is not None
            norm.running_mean.zero_()
            norm.running_var.fill_(1.0 - norm.eps)
            norm.weight.fill_(1.0)
            norm.bias.copy_(torch.from_numpy(np.array(b)))
        for linear, (w, b) in zip(linears, dense, strict=True):
            linear.weight.copy_(torch.from_numpy(np.array(w)))
            linear.bias.copy_(torch.from_numpy(np.array(b)))


def freeze_batch_norm(model: Any) -> None:
    """Batch norms use their stored statistics (needed after `init_from_onnx`)."""
    import torch

    for module in model:
        if isinstance(module, torch.nn.BatchNorm2d):
            module.eval()


def _accuracy(model: Any, x: np.ndarray, y: np.ndarray) -> float:
    import torch

    model.eval()
    correct = 0
    with torch.no_grad():
        for start in range(0, len(x), 512):
            logits = model(torch.from_numpy(normalise(x[start:start + 512])))
            correct += int((logits.argmax(1).numpy() == y[start:start + 512]).sum())
    return correct / max(1, len(y))


def fit(config: TrainConfig, on_epoch: Callable[[dict[str, float]], None] | None = None) -> tuple[Any, TrainResult]:
    """Generate data and train; returns the torch model and the result (ONNX written to config.output)."""
    import torch

    from ggpgfx.cards.model import build_model, export_onnx

    if not 0.0 <= config.label_smoothing < 1.0:
        raise ValueError(f"label_smoothing {config.label_smoothing} must be in [0, 1)")
    began = time.monotonic()
    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    styles, val_styles, held_styles = training_styles(config)
    x_train, y_train = build_patches(rng, config.scenes, styles, capture=config.capture, card_px=config.card_px,
                                     views=config.views)
    # validation: designs never trained on (what calibration and the abstain threshold are chosen on)
    x_val, y_val = build_patches(rng, config.val_scenes, val_styles, HELD_OUT_BACKGROUNDS, capture=config.capture,
                                 card_px=config.card_px)
    x_held, y_held = build_patches(rng, config.val_scenes, held_styles, HELD_OUT_BACKGROUNDS,
                                   capture=config.capture, card_px=config.card_px)
    data_seconds = time.monotonic() - began
    log.info("data: %d train, %d val, %d held-out patches (%.0f s)", len(x_train), len(x_val), len(x_held),
             data_seconds)
    model = build_model(config.width, len(CLASSES))
    if config.init is not None:
        init_from_onnx(model, config.init)
    optimiser = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=1e-4)
    steps = config.epochs * ((len(x_train) + config.batch_size - 1) // config.batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=config.learning_rate, total_steps=max(1, steps))
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=config.label_smoothing)
    history: list[dict[str, float]] = []
    for epoch in range(config.epochs):
        if config.max_minutes is not None and history:
            spent = time.monotonic() - began
            per_epoch = (spent - data_seconds) / len(history)
            if spent + per_epoch > 60 * config.max_minutes:
                log.warning("stopping after %d of %d epochs: the %.0f-minute budget would be overrun",
                            len(history), config.epochs, config.max_minutes)
                break
        model.train()
        if config.init is not None:
            freeze_batch_norm(model)
        order = rng.permutation(len(x_train))
        total = 0.0
        for start in range(0, len(order), config.batch_size):
            idx = order[start:start + config.batch_size]
            batch = x_train[idx]
            if rng.random() < 0.5:  # brightness inversion-free jitter: small random shifts of the patch
                batch = np.roll(batch, int(rng.integers(-2, 3)), axis=int(rng.integers(1, 3)))
            logits = model(torch.from_numpy(normalise(batch)))
            loss = loss_fn(logits, torch.from_numpy(y_train[idx]))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += loss.item() * len(idx)
        metrics = {"epoch": float(epoch + 1), "loss": total / len(x_train), "val_accuracy": _accuracy(model, x_val, y_val)}
        history.append(metrics)
        log.info("epoch %d loss %.4f val %.4f", epoch + 1, metrics["loss"], metrics["val_accuracy"])
        if on_epoch:
            on_epoch(metrics)
    held = _accuracy(model, x_held, y_held)
    config.output.parent.mkdir(parents=True, exist_ok=True)
    export_onnx(model, str(config.output), CLASSES, PATCH_H, PATCH_W)
    result = TrainResult(config.output, history[-1]["val_accuracy"] if history else 0.0, held,
                         time.monotonic() - began, history=history)
    return model, result


def train(config: TrainConfig, on_epoch: Callable[[dict[str, float]], None] | None = None) -> TrainResult:
    """Train, then log params, metrics and the ONNX model to MLflow and register it as `card-detector`."""
    import mlflow
    import mlflow.onnx
    import onnx

    from ggpgfx.config import ggp_home

    uri = config.tracking_uri or default_tracking_uri()
    mlflow.set_tracking_uri(uri)
    if mlflow.get_experiment_by_name(config.experiment) is None:
        artifacts = ggp_home() / "mlflow" / "artifacts"
        artifacts.mkdir(parents=True, exist_ok=True)
        mlflow.create_experiment(config.experiment, artifact_location=artifacts.as_uri())
    mlflow.set_experiment(config.experiment)
    with mlflow.start_run() as run:
        params = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(config).items()
                  if k not in ("tracking_uri",)}
        mlflow.log_params(params)

        def log_epoch(metrics: dict[str, float]) -> None:
            step = int(metrics["epoch"])
            mlflow.log_metrics({"loss": metrics["loss"], "val_accuracy": metrics["val_accuracy"]}, step=step)
            if on_epoch:
                on_epoch(metrics)

        _, result = fit(config, log_epoch)
        mlflow.log_dict(dataset_manifest(config), "dataset_manifest.json")
        mlflow.log_metrics({"held_out_patch_accuracy": result.held_out_accuracy, "train_seconds": result.seconds})
        info = mlflow.onnx.log_model(onnx.load(str(result.onnx_path)), name="model",
                                     registered_model_name=config.model_name if config.register else None,
                                     save_as_external_data=False)
        result.run_id = run.info.run_id
        result.model_uri = info.model_uri
        if config.register and info.registered_model_version is not None:
            result.model_version = str(info.registered_model_version)
    return result
