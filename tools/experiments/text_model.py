"""Train the character language model that notebook 07 loads: ``python -m tools.experiments.text_model``.

Trains :func:`utils.text.build_char_lm` on the training part (first 90 %) of Tiny Shakespeare with teacher
forcing, scores it on the validation part (last 10 %) after every "epoch" (``--steps`` batches), and keeps the
weights with the best validation loss in ``results/07_char_lm.weights.h5`` (written after every improvement, so
a run stopped early still leaves usable weights). ``results/07_char_lm.json`` records the configuration, the
vocabulary, the learning curve in bits per character, and the run time (wall, CPU, load average).

    python -m tools.experiments.text_model                      # the committed model (defaults below)
    python -m tools.experiments.text_model --units 128 --max-minutes 5 --out /tmp/lm   # a quick trial

Seeds are fixed and TensorFlow ops deterministic. The run is capped by wall time, so how many epochs fit depends
on the machine; to repeat a recorded run exactly, pass its epoch count and lift the cap:
``python -m tools.experiments.text_model --epochs 38 --max-minutes 1000`` repeats the committed model (``epochs_run`` in the
record). The committed run took 61 min wall and 20 min CPU on 2 shared cores (load average 9-15); its weights
were written before the tool dropped the optimizer state from the file, and were rewritten once with
``--slim-only`` (same weights, 2.9 MB instead of 8.7 MB).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from tools.experiments.record import cpu_seconds, shown_path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = ROOT / "results" / "07_char_lm"


def slim(out: Path) -> dict:
    """Rewrite ``<out>.weights.h5`` with the model weights only (files written before the twin was used also
    held Adam's moments) and update ``weights_bytes`` in ``<out>.json``; the weights are unchanged."""
    from utils import text as T

    weights_path, json_path = (
        out.with_name(out.name + ".weights.h5"),
        out.with_name(out.name + ".json"),
    )
    record = json.loads(json_path.read_text())
    cfg = record["config"]
    model = T.build_char_lm(record["vocab_size"], cfg["units"], cfg["embed_dim"], cfg["cell"])
    model.load_weights(weights_path)
    model.save_weights(weights_path)
    record["weights_bytes"] = weights_path.stat().st_size
    json_path.write_text(json.dumps(record, indent=1) + "\n")
    print(f"{weights_path}: {record['weights_bytes']:,} bytes")
    return record


def main(argv: list[str] | None = None) -> dict:
    """Train, checkpoint and record the model; returns the JSON record."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--units", type=int, default=384, help="LSTM units (default 384)")
    parser.add_argument("--embed-dim", type=int, default=64, help="embedding size (default 64)")
    parser.add_argument("--cell", choices=["lstm", "gru"], default="lstm")
    parser.add_argument(
        "--seq-len", type=int, default=128, help="training sequence length (default 128)"
    )
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--steps", type=int, default=40, help="batches per epoch (default 40)")
    parser.add_argument(
        "--epochs", type=int, default=200, help="maximum number of epochs (default 200)"
    )
    parser.add_argument("--learning-rate", type=float, default=2e-3)
    parser.add_argument(
        "--max-minutes", type=float, default=60.0, help="stop after this much wall time"
    )
    parser.add_argument("--val-fraction", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="path prefix of the .weights.h5 and .json"
    )
    parser.add_argument(
        "--slim-only",
        action="store_true",
        help="only rewrite the weights file of --out without optimizer state, then exit",
    )
    args = parser.parse_args(argv)
    if args.slim_only:
        return slim(args.out)

    import keras

    from utils import text as T
    from utils.data import load_text
    from utils.notebook import seed_everything

    seed_everything(args.seed)
    t0, c0 = time.time(), cpu_seconds()
    load0 = os.getloadavg()
    train_text, val_text = T.split_text(load_text("shakespeare"), args.val_fraction)
    vocabulary = T.char_vocabulary(train_text)
    to_ids, _ = T.make_lookups(vocabulary)
    train_ids, val_ids = T.encode(train_text, to_ids), T.encode(val_text, to_ids)
    vocab_size = to_ids.vocabulary_size()
    train_ds = T.lm_dataset(
        train_ids, args.seq_len, args.batch_size, shuffle=True, seed=args.seed
    ).repeat()
    val_ds = T.lm_dataset(val_ids, args.seq_len, 256)

    model = T.build_char_lm(vocab_size, args.units, args.embed_dim, args.cell, seed=args.seed)
    model.compile(
        optimizer=keras.optimizers.Adam(args.learning_rate, clipnorm=1.0),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    weights_path = args.out.with_name(args.out.name + ".weights.h5")
    json_path = args.out.with_name(args.out.name + ".json")
    chars_per_epoch = args.steps * args.batch_size * args.seq_len
    record: dict = {
        "command": "python -m tools.experiments.text_model "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "config": {k: (shown_path(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "vocabulary": "".join(vocabulary),
        "vocab_size": vocab_size,
        "params": model.count_params(),
        "train_chars": len(train_ids),
        "val_chars": len(val_ids),
        "chars_per_epoch": chars_per_epoch,
        "history": {"epoch": [], "train_bpc": [], "val_bpc": []},
    }
    best = {"val_bpc": float("inf")}
    # an uncompiled twin: Keras saves a compiled model's optimizer state too (three times the file size)
    twin = T.build_char_lm(vocab_size, args.units, args.embed_dim, args.cell, seed=args.seed)

    class Record(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            h = record["history"]
            h["epoch"].append(epoch + 1)
            h["train_bpc"].append(T.nats_to_bits(logs["loss"]))
            h["val_bpc"].append(T.nats_to_bits(logs["val_loss"]))
            if h["val_bpc"][-1] < best["val_bpc"]:
                best.update(val_bpc=h["val_bpc"][-1], epoch=epoch + 1)
                twin.set_weights(self.model.get_weights())
                twin.save_weights(weights_path)
            wall = time.time() - t0
            record.update(
                best_val_bpc=best["val_bpc"],
                best_epoch=best["epoch"],
                epochs_run=epoch + 1,
                chars_seen=(epoch + 1) * chars_per_epoch,
                wall_seconds=round(wall, 1),
                cpu_seconds=round(cpu_seconds() - c0, 1),
                loadavg_start=load0,
                loadavg_end=os.getloadavg(),
                weights_bytes=weights_path.stat().st_size,
            )
            json_path.write_text(json.dumps(record, indent=1) + "\n")
            print(
                f"epoch {epoch + 1}: train {h['train_bpc'][-1]:.3f} bpc, val {h['val_bpc'][-1]:.3f} bpc, "
                f"{wall:.0f} s wall",
                flush=True,
            )
            if wall > args.max_minutes * 60:
                self.model.stop_training = True

    model.fit(
        train_ds,
        validation_data=val_ds,
        epochs=args.epochs,
        steps_per_epoch=args.steps,
        callbacks=[Record()],
        verbose=0,
        shuffle=False,
    )
    print(
        f"best val {best['val_bpc']:.3f} bpc at epoch {best['epoch']}; weights {weights_path}, record {json_path}"
    )
    return record


if __name__ == "__main__":
    main()
