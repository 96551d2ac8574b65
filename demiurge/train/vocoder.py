"""``demiurge train vocoder``: an iSTFT vocoder, MelGAN or HiFi-GAN on a folder of recordings.

Each step takes random audio segments, computes THE mel (:class:`demiurge.dsp.LogMel`),
generates audio from it and updates the discriminator, then the generator:

- iSTFT (the default): hinge loss + feature matching x2 + mel L1 x45 (x ln 10) + the
  multi-resolution STFT distance (:mod:`demiurge.dsp.stft_distance`) + the integrated head's
  own targets (:mod:`demiurge.train.head_targets`): its phase advances x10 and its
  log-magnitudes x15 against those of the real audio's spectrum; the discriminators
  (MPD + MRD) join after ``gan_start`` steps; AdamW 5e-4, betas (0.8, 0.9). Fine-tuning the
  packaged base: AdamW 1e-4 (``FINE_TUNING_LR``), the discriminators from step 0, and the
  base itself scored and kept as the step-0 best checkpoint, so a run that only makes things
  worse hands back the base.
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
from torch import Tensor, nn
from torch.nn import functional as F

from demiurge.data.audio import write_audio
from demiurge.dsp import LogMel, MelConfig
from demiurge.config_flags import apply
from demiurge.dsp.stft_distance import mr_stft_distance
from demiurge.errors import DemiurgeError
from demiurge.models import DEFAULT_VOCODER, VOCODER_ARCHS, build_vocoder, vocoder_family
from demiurge.models.configs import DiscriminatorConfig
from demiurge.models.discriminators import Scores, VocoderDiscriminator
from demiurge.train import distributed
from demiurge.train.corpus import file_mels, mel_statistics
from demiurge.train.loop import Trainer, audio_corpus, audio_parts, save_mel_png
from demiurge.train.head_targets import log_magnitude_loss, phase_advance_loss
from demiurge.train.settings import DEFAULTS

FAMILY_TRAINING = {
    # Vocos' recipe (hinge GAN, feature matching, mel L1 x45) plus a multi-resolution STFT
    # loss, and the discriminators join after `gan_start` steps: the reconstruction losses
    # alone give intelligible sound within minutes on a CPU; the GAN then sharpens it.
    # The discriminators judge the first `gan_batch` segments of each batch (a CPU saving).
    "istft": dict(adversarial="hinge", fm_weight=2.0, mel_weight=45.0 * math.log(10.0), stft_weight=1.0,
                  advance_weight=10.0, magnitude_weight=15.0, gan_start=1000, gan_batch=4, lr=5e-4, betas=(0.8, 0.9), lr_decay=0.999,
                  optimizer="adamw"),
    "melgan": dict(adversarial="hinge", fm_weight=10.0, mel_weight=0.0, lr=1e-4, betas=(0.5, 0.9),
                   lr_decay=1.0, optimizer="adam"),
    "hifigan": dict(adversarial="lsgan", fm_weight=2.0, mel_weight=45.0 * math.log(10.0), lr=2e-4,
                    betas=(0.8, 0.99), lr_decay=0.999, optimizer="adamw"),
}

# Fine-tuning from the base starts at the learning rate the base ended with: the family's
# from-scratch rate (5e-4) throws a trained model off (its held-out mel L1 swings by +-30 %).
FINE_TUNING_LR = 1e-4


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


class TrainingForward(nn.Module):
    """The generator as a training step calls it (one module, so DistributedDataParallel can
    wrap it): raw log-mel ``Tensor[B x n_mels x F]`` -> (audio ``Tensor[B x 1 x F * hop]``, the
    integrated iSTFT head's log-magnitude and phase term ``Tensor[B x F x bins]``, or None for
    other heads)."""

    def __init__(self, vocoder: nn.Module, *, phase_term: bool):
        super().__init__()
        self.vocoder = vocoder
        self.phase_term = phase_term

    def forward(self, mel: Tensor) -> Tuple[Tensor, Optional[Tensor], Optional[Tensor]]:
        if self.phase_term:
            return self.vocoder.spectral_forward(mel)
        return self.vocoder(mel), None, None


class VocoderTrainer(Trainer):
    """Options: ``audio`` (folder of recordings), ``arch`` (one of ``VOCODER_ARCHS``),
    ``original_layers``, ``segment`` (training segment in samples), ``mel`` (a
    :class:`MelConfig`) and ``overrides`` (``{"generator"|"discriminator"|"mel": {name: value}}``),
    with the loop's options (:class:`TrainConfig`)."""

    kind = "vocoder"
    project = "demiurge-vocoder"
    best_by = "val_mel_l1"
    defaults = DEFAULTS["vocoder"]
    options = ("audio", "arch", "original_layers", "segment", "gan_start", "from_scratch", "mel",
               "overrides")
    prefixes = {"mel": "mel"}
    set_prefixes = {"generator": "g", "discriminator": "d"}

    def make_config(self, base: Optional[Dict[str, Any]]) -> Dict[str, Any]:
        given, base = self.given, base or {}
        overrides, mel, stored = audio_parts(given, base)
        arch = given.get("arch", base.get("arch", DEFAULT_VOCODER))
        family = vocoder_family(arch)
        _, gen_cfg, disc_cfg = VOCODER_ARCHS[arch]
        if base.get("arch") == arch:  # the stored settings, unless another arch is asked for
            gen_cfg = type(gen_cfg).from_dict(base["generator"])
            disc_cfg = DiscriminatorConfig.from_dict(base["discriminator"])
        if given.get("original_layers"):
            gen_cfg = gen_cfg.replace(causal=False, **({"gru": True} if family == "melgan" else {}))
        gen_cfg = apply(gen_cfg, overrides.get("generator"))
        disc_cfg = apply(disc_cfg, overrides.get("discriminator"))
        if base.get("arch", arch) != arch:   # the family's own training settings
            stored = {k: v for k, v in stored.items() if k not in FAMILY_TRAINING[family]}
        if "segment" in given:
            stored["segment_samples"] = given["segment"]
        if not self.resume:
            stored["init"] = self._initial_weights(arch, gen_cfg.to_dict(), disc_cfg.to_dict(), mel.to_dict())
            if stored["init"] and stored["init"]["gan_steps"] > 0:
                stored["gan_start"] = 0   # the base has been through its GAN phase already
            if stored["init"]:
                stored.setdefault("lr", FINE_TUNING_LR)
        if "gan_start" in given:
            if given["gan_start"] < 0:
                raise DemiurgeError(f"--gan-start must be 0 or a positive number of steps, not "
                                    f"{given['gan_start']}")
            stored["gan_start"] = given["gan_start"]
        train = self.train_section(stored, **FAMILY_TRAINING[family], segment_samples=8192)
        segment, hop = train["segment_samples"], mel.hop_length
        if segment % hop or segment < 4 * hop:
            raise DemiurgeError(f"--segment ({segment}) must be a multiple of the hop ({hop}) "
                                f"and at least {4 * hop} samples")
        train.update(validation_segments=4, validation_samples=max(segment, 4 * 8192))
        return {"model": "vocoder", "arch": arch, "generator": gen_cfg.to_dict(),
                "discriminator": disc_cfg.to_dict(), "mel": mel.to_dict(), "train": train}

    def _initial_weights(self, arch: str, generator: Dict[str, Any], discriminator: Dict[str, Any],
                         mel: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        """``config["train"]["init"]`` of a new run: what it starts from. The packaged base
        vocoder (:mod:`demiurge.models.pretrained`) when its arch, generator and mel are the run's
        and ``--from-scratch`` is not given; its discriminator too when the run's is the same."""
        from demiurge.models.pretrained import base_vocoder

        if self.given.get("from_scratch"):
            return None
        base = base_vocoder()
        if base is None or not base.matches(arch=arch, generator=generator, mel=mel):
            if base is not None and arch == base.config["arch"]:
                self.log("training from scratch: the base vocoder was trained with other "
                         "generator or mel settings")
            return None
        return {"from": "istft-base", "steps": int(base.card.get("steps", 0)),
                "gan_steps": int(base.card.get("gan_steps", 0)),
                "discriminator": discriminator == base.config["discriminator"]}

    def setting(self, section, name, value=None):
        if name == "segment_samples":
            return "--segment" if value is None else f"--segment {value}"
        if name == "gan_start":
            return "--gan-start" if value is None else f"--gan-start {value}"
        return super().setting(section, name, value)

    # ------------------------------------------------------------------ build
    def build(self, config, state, run) -> None:
        train = config["train"]
        device = self.device
        self.mel_config = MelConfig.from_dict(config["mel"])
        corpus = audio_corpus(config, min_samples=self.mel_config.n_fft, log=self.log_main)
        self.steps_per_epoch = corpus.train_samples // (train["batch_size"] * train["segment_samples"])
        self.logmel = LogMel(self.mel_config).to(device)
        self.corpus = corpus
        generator = build_vocoder(arch=config["arch"], generator=config["generator"], mel=self.mel_config)
        discriminator = VocoderDiscriminator(DiscriminatorConfig.from_dict(config["discriminator"]))
        init = train.get("init")
        if state is None and init:
            from demiurge.models.pretrained import base_vocoder

            base = base_vocoder()
            if base is None:
                raise DemiurgeError("this run starts from the base vocoder, which this installation "
                                    "lacks; reinstall demiurge or train with --from-scratch")
            generator.load_state_dict(base.generator)   # its mel statistics included
            self.starts_trained = True
            if init["discriminator"]:
                discriminator.load_state_dict(base.discriminator)
            self.stats = (torch.tensor(base.stats["mean"]), torch.tensor(base.stats["std"]))
            self.log_main(f"starting from the base vocoder ({init['steps']} steps on the project's "
                          "synthesised corpus; --from-scratch to start from random weights)")
        elif state is None:
            self.stats = mel_statistics(file_mels(corpus.train, LogMel(self.mel_config)))
            generator.set_stats(*self.stats)
        else:
            generator.load_state_dict(state["generator"])
            discriminator.load_state_dict(state["discriminator"])
            self.stats = (torch.tensor(state["stats"]["mean"]), torch.tensor(state["stats"]["std"]))
        self.vocoder = generator.to(device)
        integrated = vocoder_family(config["arch"]) == "istft" and generator.config.phase == "integrated"
        self.generator = distributed.wrap(TrainingForward(self.vocoder, phase_term=integrated), self.dist, device)
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
        fake, log_mag, term = self.generator(mel)

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
        advance = torch.zeros(())
        if term is not None and train.get("advance_weight", 0.0) > 0:
            n_fft = self.vocoder.config.n_fft
            advance = phase_advance_loss(term, real.squeeze(1), n_fft=n_fft, hop_length=hop)
            loss_g = loss_g + train["advance_weight"] * advance
        magnitude = torch.zeros(())
        if log_mag is not None and train.get("magnitude_weight", 0.0) > 0:
            n_fft = self.vocoder.config.n_fft
            magnitude = log_magnitude_loss(log_mag, real.squeeze(1), n_fft=n_fft, hop_length=hop)
            loss_g = loss_g + train["magnitude_weight"] * magnitude
        self.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_g.step()
        return {"loss_g": loss_g.item(), "loss_d": loss_d.item(), "mel_l1": mel_l1.item(),
                "mr_stft": stft.item(), "phase_advance": advance.item(),
                "log_magnitude": magnitude.item(), "adversarial": adv.item(), "feature_matching": fm.item()}

    def on_epoch(self, epoch: int) -> None:
        self.sched_g.step()
        self.sched_d.step()

    # ------------------------------------------------------------------ evaluation
    def evaluate(self, step, run, logger) -> Tuple[float, Dict[str, float]]:
        generator = self.vocoder
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
        return {"generator": self.vocoder.state_dict(),
                "discriminator": distributed.unwrap(self.discriminator).state_dict(),
                "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(),
                "sched_g": self.sched_g.state_dict(), "sched_d": self.sched_d.state_dict(),
                "stats": self.statistics()}
