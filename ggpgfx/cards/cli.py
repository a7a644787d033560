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
           model: Annotated[str | None, typer.Option(help="ONNX file, models:/card-detector/N, or default / real-decks / own-styles")] = None,
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
          register: Annotated[bool, typer.Option(help="register the model as card-detector")] = True,
          init: Annotated[Path | None, typer.Option(help="fine-tune this exported ONNX model")] = None,
          learning_rate: Annotated[float, typer.Option(min=1e-6, max=1.0)] = 3e-3,
          views: Annotated[int, typer.Option(min=0, max=8, help="extra jittered cuts of every card")] = 0,
          real_weight: Annotated[int, typer.Option(min=1, max=10, help="weight of the real train designs")] = 2,
          own_weight: Annotated[int, typer.Option(min=1, max=10, help="weight of the project's own styles")] = 1,
          max_minutes: Annotated[float | None, typer.Option(min=1.0, max=600.0,
                                                            help="stop before an epoch would overrun this")] = None,
          font_styles: Annotated[int, typer.Option(
              min=0, max=10_000, help="random deck styles drawn from the training font pool (0: none)")] = 0,
          font_share: Annotated[float, typer.Option(
              min=0.05, max=0.95, help="share of the training cards drawn in the random styles")] = 0.4,
          label_smoothing: Annotated[float, typer.Option(
              min=0.0, max=0.5, help="cross-entropy label smoothing (caps a sure answer near 1 - this)")] = 0.05,
          ) -> None:
    """Generate synthetic data, train the classifier on the CPU, log to MLflow, export ONNX."""
    from ggpgfx.cards.train import TrainConfig
    from ggpgfx.cards.train import train as run_training

    config = TrainConfig(epochs=epochs, scenes=scenes, val_scenes=max(50, scenes // 12), width=width, seed=seed,
                         threads=threads, output=output, tracking_uri=tracking_uri, register=register, init=init,
                         learning_rate=learning_rate, views=views, real_weight=real_weight, own_weight=own_weight,
                         max_minutes=max_minutes, font_styles=font_styles, font_share=font_share,
                         label_smoothing=label_smoothing)
    if init is not None and not init.is_file():
        raise ConfigError(f"--init model not found: {init}")
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


@cards_app.command("evaluate")
def evaluate_designs(
        designs: Annotated[str | None, typer.Option(
            help="comma-separated deck designs (`deck:` optional) or project styles; default: the held-out designs")] = None,
        conditions: Annotated[str | None, typer.Option(help="comma-separated capture conditions; default: all")] = None,
        count: Annotated[int, typer.Option(min=1, max=10_000, help="scenes per design and condition")] = 40,
        seed: int = 7,
        model: Annotated[str | None, typer.Option(help="ONNX file, models:/card-detector/N, or default / real-decks / own-styles")] = None,
        threshold: Annotated[float | None, typer.Option(min=0, max=1, help="abstain threshold (default: the model's)")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="print every cell as JSON")] = False) -> None:
    """Per-design and per-condition tables: read, unknown (abstained), missed, wrong, false cards, ECE."""
    from ggpgfx.cards.conditions import CONDITIONS, get_condition
    from ggpgfx.cards.designs import designs as designs_with
    from ggpgfx.cards.designs import get_design
    from ggpgfx.cards.evaluate import expected_calibration_error, format_design_table, run_design_eval
    from ggpgfx.cards.infer import CardClassifier
    from ggpgfx.cards.synth import DESIGN_PREFIX, style_names

    if designs:
        styles = []
        for name in (n.strip() for n in designs.split(",") if n.strip()):
            bare = name[len(DESIGN_PREFIX):] if name.startswith(DESIGN_PREFIX) else name
            if bare in style_names(False) + style_names(True):
                styles.append(bare)
            else:
                styles.append(DESIGN_PREFIX + get_design(bare).name)
    else:
        styles = [DESIGN_PREFIX + d for d in designs_with("test")]
    chosen = [get_condition(c.strip()).name for c in conditions.split(",") if c.strip()] if conditions \
        else list(CONDITIONS)
    classifier = CardClassifier(model)
    results = run_design_eval(classifier, styles, chosen, count, seed, threshold)
    if as_json:
        typer.echo(json.dumps([{"design": s, "condition": c, "cards": v.cards, "read": v.read, "unknown": v.unknown,
                                "missed": v.missed, "wrong": v.wrong, "false_cards": v.false_cards,
                                "ece": expected_calibration_error(v.scored)} for (s, c), v in results.items()],
                              indent=1))
        return
    limit = classifier.abstain_threshold if threshold is None else threshold
    levels = [f"{f.abstain_threshold if threshold is None else threshold:.4f}" for f in classifier.fallbacks]
    then = "" if not levels else (f"; unsure cards to the fallback model{'s' if len(levels) > 1 else ''} "
                                  f"(threshold {', then '.join(levels)})")
    typer.echo(f"abstain threshold {limit:.4f}, temperature {classifier.temperature:.3f}{then}; "
               f"{count} scenes per cell\n")
    typer.echo(format_design_table(results))
    typer.echo("")
    typer.echo(format_design_table(results, by="condition"))


@cards_app.command("calibrate")
def calibrate_model(model: Annotated[Path, typer.Argument(help="ONNX model file to calibrate (written in place)")],
                    count: Annotated[int, typer.Option(min=1, max=10_000, help="scenes per condition")] = 30,
                    max_wrong: Annotated[float, typer.Option(min=0, max=0.5, help="wrong cards allowed")] = 0.001,
                    seed: int = 99,
                    fallback: Annotated[str | None, typer.Option(
                        help="shipped models (comma-separated, in order) that read the cards this one abstains on "
                             "('' removes them)")] = None,
                    temperature: Annotated[bool, typer.Option(help="fit the temperature (else 1)")] = True,
                    set_temperature: Annotated[float | None, typer.Option(
                        min=0.05, max=20.0, help="use this temperature, fitting none")] = None,
                    designs: Annotated[str | None, typer.Option(
                        help="comma-separated validation designs the model never trained on (default: the "
                             "`validation` designs)")] = None,
                    second_look: Annotated[str, typer.Option(
                        help="off, mean or geo: read cards still unsure after both indices again through six "
                             "small warps and pool them (mean or geometric mean); the threshold is chosen "
                             "under it and the model records it")] = "off",
                    pip_check: Annotated[bool, typer.Option(
                        help="count the pips of a number card named under the sure level and make it unknown when they "
                             "say another number; the threshold is chosen under it and the model records it")]
                    = False,
                    suit_check: Annotated[bool, typer.Option(
                        help="judge the pips' shape of the same cards and make a card unknown when they clearly say "
                             "another suit; the threshold is chosen under it and the model records it")]
                    = False) -> None:
    """Fit the temperature and choose the abstain threshold on the validation designs; store both in the model."""
    from ggpgfx.cards.calibrate import calibrate
    from ggpgfx.cards.designs import get_design
    from ggpgfx.cards.synth import DESIGN_PREFIX

    styles = None if designs is None else [
        DESIGN_PREFIX + get_design(n.strip().removeprefix(DESIGN_PREFIX)).name for n in designs.split(",") if n.strip()]
    result = calibrate(model, styles=styles or None, count=count, seed=seed, max_wrong=max_wrong, fallback=fallback,
                       fit=temperature, temperature=set_temperature, second_look=second_look, pip_check=pip_check,
                       suit_check=suit_check)
    per_design = ", ".join(f"{k} {v:.4f}" for k, v in result.per_design.items())
    typer.echo(f"temperature {result.temperature:.3f} (ECE {result.ece_before:.3f} -> {result.ece_after:.3f}); "
               f"abstain threshold {result.threshold:.4f} (per design: {per_design}): {result.read_at_threshold} "
               f"read, {result.wrong_at_threshold} wrong of {result.cards} validation cards; second look "
               f"{second_look}; pip check {'on' if pip_check else 'off'}; suit check {'on' if suit_check else 'off'}; "
               f"written to {model}")


@cards_app.command("suit-shapes")
def learn_suit_shapes(output: Annotated[Path | None, typer.Option(
                          help="where to write the weights (default: the shipped suit-shapes.npz)")] = None,
                      seed: int = 1000) -> None:
    """Learn the suit check's pip-shape weights from the train designs and own styles (never validation/test)."""
    from ggpgfx.cards.suits import SHAPES_FILE, learn_shapes

    path = output or SHAPES_FILE
    learn_shapes(seed=seed).save(path)
    typer.echo(f"suit-shape weights written to {path}")


@cards_app.command("designs")
def list_designs() -> None:
    """The real deck designs: role (train / validation / test / extra), look and licence."""
    from ggpgfx.cards.designs import DESIGNS

    for d in DESIGNS.values():
        typer.echo(f"{d.name:<18} {d.role:<10} {d.look}; {d.licence}")


def register(app: typer.Typer) -> None:
    """Add `ggp cards ...` to the main app."""
    app.add_typer(cards_app, name="cards")
