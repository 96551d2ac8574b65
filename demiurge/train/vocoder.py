"""``demiurge train vocoder``: an iSTFT vocoder, MelGAN or HiFi-GAN on a folder of recordings.

Each step takes random audio segments, computes THE mel (:class:`demiurge.dsp.LogMel`),
generates audio from it and updates the discriminator, then the generator:

- iSTFT (the default): hinge loss + feature matching x2 + mel L1 x45 (x ln 10) + the
  multi-resolution STFT distance (:mod:`demiurge.dsp.stft_distance`); the discriminators
  (MPD + MRD) join after ``gan_start`` steps; AdamW 5e-4, betas (0.8, 0.9).
- MelGAN: hinge loss + feature matching; Adam 1e-4, betas (0.5, 0.9).
- HiFi-GAN: least-squares loss + feature matching x2 + mel L1 x45 (x ln 10, because THE mel
  is log10 where the paper's was ln); AdamW 2e-4, betas (0.8, 0.99), lr x0.999 per epoch.

Evaluation on held-out audio: the mel L1 distance between the held-out mel and the mel of its
resynthesis (the best checkpoint minimises it) and the MR-STFT distance to the held-out audio; audio samples and mel images are logged and
written to ``samples/`` in the run.
"""

from __future__ import annotations

import math
from typing import Any, Dict, Optional, Tuple

import torch
from torch.nn import functional as F

from demiurge.data.audio import write_audio
from demiurge.dsp import LogMel, MelConfig
from demiurge.dsp.stft_distance import mr_stft_distance
from demiurge.models import DEFAULT_VOCODER, VOCODER_ARCHS, build_vocoder, vocoder_family
from demiurge.models.discriminators import DiscriminatorConfig, Scores, VocoderDiscriminator
from demiurge.train import distributed
from demiurge.train.corpus import AudioCorpus, file_mels, mel_statistics
from demiurge.train.loop import Trainer, add_common_arguments, apply_overrides, parse_overrides, save_mel_png

FAMILY_TRAINING = {
    # Vocos' recipe (hinge GAN, feature matching, mel L1 x45) plus a multi-resolution STFT
    # loss, and the discriminators join after `gan_start` steps: the reconstruction losses
    # alone give intelligible sound within minutes on a CPU; the GAN then sharpens it.
    # The discriminators judge the first `gan_batch` segments of each batch (a CPU saving).
    "istft": dict(adversarial="hinge", fm_weight=2.0, mel_weight=45.0 * math.log(10.0), stft_weight=1.0,
                  gan_start=1000, gan_batch=4, lr=5e-4, betas=(0.8, 0.9), lr_decay=0.999,
                  optimizer="adamw"),
    "melgan": dict(adversarial="hinge", fm_weight=10.0, mel_weight=0.0, lr=1e-4, betas=(0.5, 0.9),
                   lr_decay=1.0, optimizer="adam"),
    "hifigan": dict(adversarial="lsgan", fm_weight=2.0, mel_weight=45.0 * math.log(10.0), lr=2e-4,
                    betas=(0.8, 0.99), lr_decay=0.999, optimizer="adamw"),
}


def discriminator_losses(scores: Scores, batch: int, kind: str) -> torch.Tensor:
    """Discriminator loss; each score tensor holds the real batch, then the generated one."""
    total = torch.zeros(())
    for score, _ in scores:
        real, fake = score[:batch], score[batch:]
        if kind == "hinge":
            total = total + F.relu(1 - real).mean() + F.relu(1 + fake).mean()
        else:
            total = total + (1 - real).square().mean() + fake.square().mean()
    return total


def generator_losses(scores: Scores, batch: int, kind: str) -> Tuple[torch.Tensor, torch.Tensor]:
    """(adversarial loss, feature matching loss: mean L1 summed over every feature map)."""
    adv = torch.zeros(())
    fm = torch.zeros(())
    for score, features in scores:
        fake = score[batch:]
        adv = adv + (-fake.mean() if kind == "hinge" else (1 - fake).square().mean())
        for feat in features:
            fm = fm + (feat[:batch].detach() - feat[batch:]).abs().mean()
    if kind == "hinge":
        fm = fm / len(scores)  # MelGAN averages over its discriminators
    return adv, fm


class VocoderTrainer(Trainer):
    kind = "vocoder"
    project = "demiurge-vocoder"

    def __init__(self, *, audio=None, arch: str = DEFAULT_VOCODER, original_layers: bool = False,
                 mel: MelConfig = MelConfig(), batch_size: int = 16, segment: int = 8192,
                 lr: Optional[float] = None, gan_start: Optional[int] = None, seed: int = 0,
                 val_fraction: float = 0.1,
                 overrides: Optional[Dict[str, Dict[str, Any]]] = None, **kwargs):
        super().__init__(audio=audio, **kwargs)
        self.arch = arch
        self.original_layers = original_layers
        self.mel_config = mel
        self.batch_size = batch_size
        self.segment = segment
        self.lr = lr
        self.gan_start = gan_start
        self.seed = seed
        self.val_fraction = val_fraction
        self.overrides = overrides or {}

    # ------------------------------------------------------------------ config
    def new_config(self) -> Dict[str, Any]:
        from demiurge.errors import DemiurgeError

        if self.audio is None:
            raise DemiurgeError("give the training recordings with --audio DIR")
        family = vocoder_family(self.arch)
        _, gen_cfg, disc_cfg = VOCODER_ARCHS[self.arch]
        if self.original_layers:
            gen_cfg = gen_cfg.replace(causal=False, **({"gru": True} if family == "melgan" else {}))
        gen_cfg = apply_overrides(type(gen_cfg), gen_cfg, self.overrides.get("generator"))
        disc_cfg = apply_overrides(DiscriminatorConfig, disc_cfg, self.overrides.get("discriminator"))
        hop = self.mel_config.hop_length
        if self.segment % hop or self.segment < 4 * hop:
            raise DemiurgeError(f"--segment ({self.segment}) must be a multiple of the hop ({hop}) "
                                f"and at least {4 * hop} samples")
        training = dict(FAMILY_TRAINING[family])
        if self.lr is not None:
            training["lr"] = self.lr
        training.setdefault("gan_start", 0)
        if self.gan_start is not None:
            training["gan_start"] = self.gan_start
        training.update(audio=str(self.audio), batch_size=self.batch_size, segment_samples=self.segment,
                        seed=self.seed, val_fraction=self.val_fraction, validation_segments=4,
                        validation_samples=max(self.segment, 4 * 8192))
        return {"model": "vocoder", "arch": self.arch, "generator": gen_cfg.to_dict(),
                "discriminator": disc_cfg.to_dict(), "mel": self.mel_config.to_dict(), "train": training}

    def min_samples(self, config: Dict[str, Any]) -> int:
        return config["mel"]["n_fft"]

    # ------------------------------------------------------------------ build
    def build(self, config, corpus: AudioCorpus, state) -> None:
        train = config["train"]
        device = self.device
        self.mel_config = MelConfig.from_dict(config["mel"])
        self.logmel = LogMel(self.mel_config).to(device)
        self.corpus = corpus
        generator = build_vocoder(arch=config["arch"], generator=config["generator"], mel=self.mel_config)
        discriminator = VocoderDiscriminator(DiscriminatorConfig.from_dict(config["discriminator"]))
        if state is None:
            self.stats = mel_statistics(file_mels(corpus.train, LogMel(self.mel_config)))
            generator.set_stats(*self.stats)
        else:
            generator.load_state_dict(state["generator"])
            discriminator.load_state_dict(state["discriminator"])
            self.stats = (torch.tensor(state["stats"]["mean"]), torch.tensor(state["stats"]["std"]))
        self.generator = distributed.wrap(generator.to(device), self.dist, device)
        self.discriminator = distributed.wrap(discriminator.to(device), self.dist, device)
        opt = torch.optim.AdamW if train["optimizer"] == "adamw" else torch.optim.Adam
        betas = tuple(train["betas"])
        self.opt_g = opt(self.generator.parameters(), lr=train["lr"], betas=betas)
        self.opt_d = opt(self.discriminator.parameters(), lr=train["lr"], betas=betas)
        self.sched_g = torch.optim.lr_scheduler.ExponentialLR(self.opt_g, train["lr_decay"])
        self.sched_d = torch.optim.lr_scheduler.ExponentialLR(self.opt_d, train["lr_decay"])
        if state is not None:
            for name in ("opt_g", "opt_d", "sched_g", "sched_d"):
                getattr(self, name).load_state_dict(state[name])
        self.validation = corpus.validation(train["validation_segments"], train["validation_samples"])

    # ------------------------------------------------------------------ step
    def train_step(self, step: int, generator: torch.Generator) -> Dict[str, float]:
        train = self.config["train"]
        hop = self.mel_config.hop_length
        batch = train["batch_size"]
        audio = self.corpus.sample(batch, train["segment_samples"], generator).to(self.device)
        with torch.no_grad():
            mel = self.logmel(audio)
        real = audio[:, :mel.shape[2] * hop].unsqueeze(1)
        fake = self.generator(mel)

        if step >= train.get("gan_start", 0):
            judged = min(batch, train.get("gan_batch") or batch)
            scores = self.discriminator(torch.cat([real[:judged], fake[:judged].detach()]))
            loss_d = discriminator_losses(scores, judged, train["adversarial"])
            self.opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            self.opt_d.step()
            scores = self.discriminator(torch.cat([real[:judged], fake[:judged]]))
            adv, fm = generator_losses(scores, judged, train["adversarial"])
        else:
            loss_d = adv = fm = torch.zeros(())
        loss_g = adv + train["fm_weight"] * fm
        with torch.set_grad_enabled(train["mel_weight"] > 0):  # MelGAN only reports it
            mel_l1 = (self.logmel(fake.squeeze(1)) - mel).abs().mean()
        if train["mel_weight"] > 0:
            loss_g = loss_g + train["mel_weight"] * mel_l1
        stft = torch.zeros(())
        if train.get("stft_weight", 0.0) > 0:
            stft = mr_stft_distance(real.squeeze(1), fake.squeeze(1))
            loss_g = loss_g + train["stft_weight"] * stft
        self.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_g.step()
        return {"loss_g": loss_g.item(), "loss_d": loss_d.item(), "mel_l1": mel_l1.item(),
                "mr_stft": stft.item(), "adversarial": adv.item(), "feature_matching": fm.item()}

    def on_epoch(self, epoch: int) -> None:
        self.sched_g.step()
        self.sched_d.step()

    # ------------------------------------------------------------------ evaluation
    def evaluate(self, step, run, logger) -> Tuple[float, Dict[str, float]]:
        generator = distributed.unwrap(self.generator)
        audio = self.validation.to(self.device)
        with torch.no_grad():
            mel = self.logmel(audio)
            fake = generator(mel).squeeze(1)
            fake_mel = self.logmel(fake)
        metric = float((fake_mel - mel).abs().mean())
        n = fake.shape[1]
        stft = float(mr_stft_distance(audio[:, :n], fake))
        sr = self.mel_config.sample_rate
        samples = run.path / "samples"
        if not (samples / "reference.wav").exists():
            write_audio(samples / "reference.wav", self.validation[0].numpy(), sample_rate=sr)
            run.record_file("reference", "samples/reference.wav", "held-out audio the samples resynthesise")
        name = f"step_{step:08d}"
        write_audio(samples / f"{name}.wav", fake[0].cpu().numpy(), sample_rate=sr)
        save_mel_png(samples / f"{name}.png", [("held-out mel", mel[0].cpu().numpy()),
                                                (f"resynthesis, step {step}", fake_mel[0].cpu().numpy())])
        logger.log_audio("resynthesis", fake[0].cpu().numpy(), sample_rate=sr, step=step)
        logger.log_image("mel", samples / f"{name}.png", step=step)
        return metric, {"val_mel_l1": metric, "val_mr_stft": stft}

    def statistics(self) -> Dict[str, Any]:
        mean, std = self.stats
        return {"mean": mean.tolist(), "std": std.tolist()}

    def state(self) -> Dict[str, Any]:
        return {"generator": distributed.unwrap(self.generator).state_dict(),
                "discriminator": distributed.unwrap(self.discriminator).state_dict(),
                "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(),
                "sched_g": self.sched_g.state_dict(), "sched_d": self.sched_d.state_dict(),
                "stats": self.statistics()}


def register(train_subparsers) -> None:
    parser = train_subparsers.add_parser(
        "vocoder", help="train a mel vocoder (MelGAN or HiFi-GAN)",
        description="Train a mel-spectrogram vocoder on a folder of recordings. The default "
                    "hifigan-rt is small and causal (streams in real time); melgan and "
                    "hifigan-v1/v2/v3 are the papers' generators.")
    add_common_arguments(parser, max_steps=200_000, eval_every=1000, batch_size=16)
    parser.add_argument("--arch", choices=list(VOCODER_ARCHS), default=DEFAULT_VOCODER,
                        help=f"generator architecture (default: {DEFAULT_VOCODER})")
    parser.add_argument("--segment", type=int, default=8192, help="training segment in samples")
    parser.add_argument("--gan-start", type=int,
                        help="steps trained on the reconstruction losses alone before the "
                             "discriminators join (default: 1000 for istft, 0 for the others)")
    parser.add_argument("--original-layers", action="store_true",
                        help="the papers' non-causal layers (centred convs; MelGAN's bidirectional "
                             "GRU); such a model runs offline only")
    parser.set_defaults(func=_cli)


def _cli(args) -> int:
    overrides = parse_overrides(args.set, {"g": "generator", "d": "discriminator"})
    trainer = VocoderTrainer(
        audio=args.audio, out=args.out, resume=args.resume, device=args.device, max_steps=args.max_steps,
        eval_every=args.eval_every, use_wandb=not args.no_wandb, threads=args.threads,
        export=args.export, arch=args.arch,
        original_layers=args.original_layers, mel=MelConfig(padding=args.mel_padding),
        batch_size=args.batch_size, segment=args.segment, lr=args.lr, gan_start=args.gan_start, seed=args.seed, overrides=overrides)
    trainer.fit()
    return 0
