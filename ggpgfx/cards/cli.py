"""`ggp cards detect|train|eval|synth`: card recognition from the command line (heavy imports inside)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from ggpgfx.errors import ConfigError, MediaError

cards_app = typer.Typer(help="Card recognition: detect cards in images, train and evaluate the model.",
                        no_args_is_help=True)


def _luma(path: Path) -> object:
    import numpy as np
    from PIL import Image, UnidentifiedImageError

    from ggpgfx.cards.yuv import rgb_to_yuv_pixels

    if not path.is_file():
        raise MediaError(f"image not found: {path}")
    try:
        image = Image.open(path)
        image.load()
    except (UnidentifiedImageError, OSError) as exc:
        raise MediaError(f"cannot read image {path}: {exc}") from None
    if image.mode == "L":
        return np.asarray(image)
    return np.clip(rgb_to_yuv_pixels(np.asarray(image.convert("RGB")))[..., 0], 0, 255).astype(np.uint8)


@cards_app.command("detect")
def detect(images: Annotated[list[Path], typer.Argument(help="image files (PNG, JPEG, ...)")],
           zones: Annotated[Path | None, typer.Option(help="zones file (JSON/YAML); default: the whole image")] = None,
           camera: Annotated[str | None, typer.Option(help="camera name in a multi-camera zones file")] = None,
           model: Annotated[str | None, typer.Option(help="ONNX file or models:/card-detector/N")] = None,
           as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False) -> None:
    """Print every card found in each image, with its box and confidence."""
    from ggpgfx.cards.detector import CardDetector, ZoneSpec, load_zones
    from ggpgfx.cards.infer import CardClassifier

    detector = CardDetector(CardClassifier(model), reuse_unchanged=False)
    zone_list = load_zones(zones, camera) if zones else []
    results: list[dict[str, Any]] = []
    for path in images:
        luma = _luma(path)
        h, w = luma.shape  # type: ignore[attr-defined]
        use = zone_list or [ZoneSpec.from_dict({"name": "image", "zone": "board",
                                                "polygon": [[0, 0], [w, 0], [w, h], [0, h]]})]
        found = detector.detect(luma, use)  # type: ignore[arg-type]
        results.append({"image": str(path), "cards": [
            {"card": d.card, "confidence": round(d.confidence, 4), "zone": d.zone.name,
             "box": [round(v, 1) for v in d.box]} for d in found]})
    if as_json:
        typer.echo(json.dumps(results, indent=1))
        return
    for result in results:
        cards = result["cards"]
        typer.echo(f"{result['image']}: {len(cards)} card{'s' if len(cards) != 1 else ''}")
        for c in cards:
            x0, y0, x1, y1 = c["box"]
            typer.echo(f"  {c['card']}  {c['confidence']:.3f}  zone {c['zone']}  box {x0:.0f},{y0:.0f}-{x1:.0f},{y1:.0f}")


@cards_app.command("train")
def train(epochs: Annotated[int, typer.Option(min=1, max=200)] = 8,
          scenes: Annotated[int, typer.Option(min=10, help="synthetic scenes (3 cards each)")] = 6000,
          output: Annotated[Path, typer.Option(help="where to write the ONNX model")] = Path("card-detector.onnx"),
          width: Annotated[int, typer.Option(min=1, max=4, help="channel multiplier")] = 1,
          seed: int = 0, threads: Annotated[int, typer.Option(min=1, max=64)] = 1,
          tracking_uri: Annotated[str | None, typer.Option(help="MLflow tracking URI (default: under GGP_HOME)")] = None,
          register: Annotated[bool, typer.Option(help="register the model as card-detector")] = True) -> None:
    """Generate synthetic data, train the classifier on the CPU, log to MLflow, export ONNX."""
    from ggpgfx.cards.train import TrainConfig
    from ggpgfx.cards.train import train as run_training

    config = TrainConfig(epochs=epochs, scenes=scenes, val_scenes=max(50, scenes // 12), width=width, seed=seed,
                         threads=threads, output=output, tracking_uri=tracking_uri, register=register)
    result = run_training(config, on_epoch=lambda m: typer.echo(
        f"epoch {int(m['epoch'])}/{epochs}: loss {m['loss']:.4f}, validation accuracy {m['val_accuracy']:.4f}"))
    typer.echo(f"held-out patch accuracy {result.held_out_accuracy:.4f}; {result.seconds:.0f} s; "
               f"ONNX {result.onnx_path}")
    if result.model_version:
        typer.echo(f"registered models:/{config.model_name}/{result.model_version} (run {result.run_id})")


@cards_app.command("synth")
def synth(folder: Path, count: Annotated[int, typer.Option(min=1, max=100_000)] = 300,
          held_out: Annotated[bool, typer.Option(help="deck styles and backgrounds never used in training")] = True,
          seed: int = 1234,
          min_card_px: Annotated[int, typer.Option(min=20, max=200, help="smallest card width")] = 44,
          max_card_px: Annotated[int, typer.Option(min=20, max=400, help="largest card width")] = 110) -> None:
    """Write a labelled synthetic evaluation set (PNG scenes + labels.json)."""
    from ggpgfx.cards.evaluate import write_eval_set

    if min_card_px > max_card_px:
        raise ConfigError(f"--min-card-px {min_card_px} is above --max-card-px {max_card_px}")
    write_eval_set(folder, count, held_out, seed, card_px=(min_card_px, max_card_px))
    typer.echo(f"wrote {count} scenes to {folder}")


@cards_app.command("eval")
def evaluate(folder: Path, model: Annotated[str | None, typer.Option(help="ONNX file or models:/...")] = None,
             limit: Annotated[int | None, typer.Option(min=1)] = None,
             as_json: Annotated[bool, typer.Option("--json", help="print the full report as JSON")] = False,
             min_accuracy: Annotated[float | None, typer.Option(help="exit 1 below this accuracy")] = None) -> None:
    """Accuracy, false cards and per-class confusion on a labelled folder (see `ggp cards synth`)."""
    from ggpgfx.cards.evaluate import evaluate as run_eval
    from ggpgfx.cards.evaluate import format_report
    from ggpgfx.cards.infer import CardClassifier

    if not folder.is_dir():
        raise ConfigError(f"not a folder: {folder}")
    report = run_eval(folder, CardClassifier(model), limit)
    typer.echo(json.dumps(report.to_json(), indent=1) if as_json else format_report(report))
    if min_accuracy is not None and report.accuracy < min_accuracy:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `ggp cards ...` to the main app."""
    app.add_typer(cards_app, name="cards")
