"""``demiurge train MODEL ...``: one sub-command per trainable model, all on the one training
loop (:mod:`demiurge.train.loop`) and so with the same flags: the loop's settings
(:class:`~demiurge.train.settings.TrainConfig`), ``--config``, ``--resume``, ``--no-wandb`` and
``--no-export``, then each model's own settings, bound by :mod:`demiurge.config_flags`."""

from __future__ import annotations

import argparse
from typing import Any, Optional

from demiurge.config_flags import add_flags, given, parse_set
from demiurge.dsp.config import MelConfig
from demiurge.errors import DemiurgeError
from demiurge.models import DEFAULT_VOCODER, VOCODER_ARCHS
from demiurge.sequencer.predictor_config import PredictorConfig
from demiurge.train.settings import DEFAULTS, TrainConfig


# The sub-commands this module registers, with their one-line help (``demiurge --help``
# lists them without building their options).
HELP = {
    "train": "train a model into a run directory",
}


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "train", help=HELP["train"],
        description="Train a model; the run directory holds its config, checkpoints, "
                    "statistics and logs.")
    train_sub = parser.add_subparsers(dest="trainer", metavar="MODEL", required=True)

    p = train_sub.add_parser(
        "predictor", help="train a descriptor predictor on a descriptor DB",
        description="Train one of the four descriptor predictors (lstm, lstm-encdec, "
                    "transformer-encoder, transformer) on a descriptor DB. Whole files are held "
                    "out for validation; the end report compares the model with the persistence "
                    "and mean baselines on them.")
    p.add_argument("--db", help="descriptor DB folder (from `demiurge describe`); "
                                "optional with --resume")
    _common(p, "predictor")
    add_flags(p, PredictorConfig, title="predictor (stored with the run)")
    p.set_defaults(func=_predictor)

    p = train_sub.add_parser(
        "vocoder", help="train a mel vocoder (iSTFT, HiFi-GAN or MelGAN)",
        description="Train a mel-spectrogram vocoder on a folder of recordings. The default "
                    "istft (ConvNeXt blocks and an inverse FFT, as Vocos) is causal, trains on a "
                    "CPU and runs far faster than real time; istft-gpu is Vocos' size; "
                    "hifigan-rt is a small causal HiFi-GAN; melgan and hifigan-v1/v2/v3 are the "
                    "papers' generators.")
    p.add_argument("--audio", help="folder of training recordings (RECORDED AUDIO DB); "
                                   "taken from the run when resuming")
    _common(p, "vocoder")
    p.add_argument("--arch", choices=list(VOCODER_ARCHS), help=f"generator (default {DEFAULT_VOCODER})")
    p.add_argument("--segment", type=int, help="training segment in samples (default 8192)")
    p.add_argument("--from-scratch", action="store_true",
                   help="start from random weights instead of the base vocoder in the package "
                        "(which istft runs with the default mel start from)")
    p.add_argument("--gan-start", type=int, metavar="STEPS",
                   help="steps trained on the reconstruction losses alone before the "
                        "discriminators join (default: 1000 for istft, 0 for the others)")
    p.add_argument("--original-layers", action="store_true",
                   help="the papers' non-causal layers (centred convs; MelGAN's bidirectional "
                        "GRU); such a model runs offline only")
    _model_settings(p, "g. generator, d. discriminator: --set g.channels=64, "
                       "--set g.upsample_rates=[8,8,4]")
    p.set_defaults(func=_vocoder)

    p = train_sub.add_parser(
        "unagan", help="train UNAGAN, the unconditional mel generator",
        description="Train UNAGAN (BEGAN + cycle regularisation) on a folder of recordings; "
                    "pair it with a vocoder trained on the same mel settings to generate audio.")
    p.add_argument("--audio", help="folder of training recordings (RECORDED AUDIO DB); "
                                   "taken from the run when resuming")
    _common(p, "unagan")
    p.add_argument("--segment-frames", type=int,
                   help="training segment in mel frames (a multiple of 16; default 64 = 0.37 s, "
                        "512 = 3 s with --size paper)")
    p.add_argument("--size", choices=("cpu", "paper"),
                   help="cpu (default): widths, batch 16, segment 64 and lr 1e-3 that make progress "
                        "on two CPU cores; paper: the original's widths (512 generator channels), "
                        "batch 5, segment 512, lr 1e-4, for GPUs")
    p.add_argument("--lr-half-life", type=int, metavar="STEPS",
                   help="halve the learning rate every STEPS steps (0: keep it constant, the "
                        "default); keeps a long run from drifting off")
    p.add_argument("--original-layers", action="store_true",
                   help="the original non-causal layers (bidirectional GRU, centred convs, "
                        "group norm over time); such a model runs offline only")
    p.add_argument("--vocoder", metavar="RUN",
                   help="vocoder run to bundle when exporting for nn~ at the end (UNAGAN "
                        "makes mels; without a vocoder the export is skipped with a hint)")
    _model_settings(p, "u. UNAGAN: --set u.channels=128")
    p.set_defaults(func=_unagan)


def _trainer(kind: str):
    if kind == "predictor":
        from demiurge.train.predictor import PredictorTrainer as cls
    elif kind == "vocoder":
        from demiurge.train.vocoder import VocoderTrainer as cls
    else:
        from demiurge.train.unagan import UNAGANTrainer as cls
    return cls


def _common(p: argparse.ArgumentParser, kind: str) -> None:
    p.add_argument("-o", "--output", required=True, metavar="RUN_DIR", help="run directory to create (or to resume)")
    p.add_argument("--resume", action="store_true", help="continue the run in -o with its stored "
                   "config (counters continue from its latest checkpoint; only --max-steps, "
                   "--eval-every, --max-minutes, --device, --threads and the data folder may change)")
    p.add_argument("--config", metavar="FILE", help="start from a run's stored config (its "
                   "config.json, or the run folder); flags given as well override it")
    p.add_argument("--no-wandb", action="store_true", help="log to metrics.jsonl only")
    p.add_argument("--no-export", dest="export", action="store_false",
                   help="do not export the best checkpoint for nn~ into RUN/export/ at the end")
    add_flags(p, TrainConfig, defaults=DEFAULTS[kind],
              title="training (stored with the run; a resume continues with them)")
    p.add_argument("--val-every", dest="eval_every", type=int, default=argparse.SUPPRESS,
                   help=argparse.SUPPRESS)  # the predictor's earlier name of --eval-every


def _model_settings(p: argparse.ArgumentParser, sets: str) -> None:
    add_flags(p, MelConfig, prefix="mel", title="mel (stored with the run; a vocoder and UNAGAN "
              "paired for generation must share it)")
    p.add_argument("--set", action="append", default=[], metavar="PREFIX.NAME=VALUE",
                   help=f"change one model setting (repeatable): {sets}")


def _run(kind: str, args: argparse.Namespace, *, export_vocoder: Optional[str] = None,
         **options: Any) -> int:
    from demiurge.runs import read_config

    if args.config and args.resume:
        raise DemiurgeError("--config starts a new run from a stored config; --resume continues "
                            "the run in -o with its own: give one of them")
    base = read_config(args.config) if args.config else None
    options.update(given(args, TrainConfig))
    _trainer(kind)(out=args.output, resume=args.resume, config=base, use_wandb=not args.no_wandb,
                   export=args.export, export_vocoder=export_vocoder, **options).fit()
    return 0


def _predictor(args: argparse.Namespace) -> int:
    return _run("predictor", args, db=args.db, **given(args, PredictorConfig))


def _vocoder(args: argparse.Namespace) -> int:
    from demiurge.models.configs import DiscriminatorConfig, HiFiGANConfig, ISTFTConfig, MelGANConfig

    sets = parse_set(args.set, {"g": (ISTFTConfig, HiFiGANConfig, MelGANConfig),
                                "d": (DiscriminatorConfig,)})
    overrides = {"generator": sets.get("g", {}), "discriminator": sets.get("d", {}),
                 "mel": given(args, MelConfig, prefix="mel")}
    return _run("vocoder", args, audio=args.audio, arch=args.arch, segment=args.segment,
                gan_start=args.gan_start, from_scratch=args.from_scratch or None, original_layers=args.original_layers or None,
                overrides=overrides)


def _unagan(args: argparse.Namespace) -> int:
    from demiurge.models.configs import UNAGANConfig

    sets = parse_set(args.set, {"u": (UNAGANConfig,)})
    overrides = {"unagan": sets.get("u", {}), "mel": given(args, MelConfig, prefix="mel")}
    return _run("unagan", args, export_vocoder=args.vocoder, audio=args.audio,
                segment_frames=args.segment_frames, original_layers=args.original_layers or None, size=args.size,
                lr_half_life=args.lr_half_life, overrides=overrides)
