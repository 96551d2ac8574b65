"""``demiurge train unagan``: the unconditional mel generator, trained as a BEGAN with cycle
regularisation (settings of the original UNAGAN).

Each step: random segments of z-scored training mels x, noise z (20 channels, one vector per
16 frames), G(z), and
- D (an autoencoder): ``L_D = |D(x) - x| - k |D(G(z)) - G(z)|``;
- G and the encoder E: ``L_G = |D(G(z)) - G(z)| + lambda_cycle (|E(G(z)) - z| + |G(E(x)) - x|)``;
- ``k <- clip(k + lambda_k (gamma L_real - L_fake), 0, 1)``; gradient norms clipped to 3.

Defaults sized for two CPU cores (:data:`CPU_TRAIN`: batch 16 of 64 frames, Adam 1e-3, the
CPU-sized :class:`UNAGANConfig`); ``size="paper"`` gives the original's widths and settings
(:data:`PAPER_TRAIN`, :data:`~demiurge.models.configs.UNAGAN_PAPER_SIZE`), for GPUs.
Each evaluation logs the BEGAN convergence measure ``M = L_real + |gamma L_real - L_fake|`` on
held-out mels, and chooses the best checkpoint by the Fréchet distance between the frame
statistics of generated and held-out z-scored mels (:mod:`demiurge.train.frechet`), which
follows what the generator makes where M, a balance of two losses, does not. Samples (mel
images, the generated mel as .npy) go to ``samples/``.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import numpy as np
import torch
from torch import Tensor, nn

from demiurge.dsp import LogMel, MelConfig
from demiurge.errors import DemiurgeError
from demiurge.models.configs import UNAGAN_PAPER_SIZE, UNAGANConfig
from demiurge.models.unagan import MelAutoencoder, MelEncoder, UNAGANGenerator
from demiurge.config_flags import apply
from demiurge.train import distributed
from demiurge.train.corpus import file_mels, mel_statistics
from demiurge.train.frechet import FrameStatistics, frechet_distance
from demiurge.train.loop import Trainer, audio_corpus, audio_parts, save_mel_png
from demiurge.train.settings import DEFAULTS


CPU_TRAIN = {"batch_size": DEFAULTS["unagan"].batch_size, "segment_frames": 64, "lr": 1e-3}
PAPER_TRAIN = {"batch_size": 5, "segment_frames": 512, "lr": 1e-4}
SIZES = ("cpu", "paper")
FRECHET_CLIPS = 8  # generated clips of FRECHET_FRAMES mel frames each, per evaluation
FRECHET_FRAMES = 512


class CycleGenerator(nn.Module):
    """G and the encoder E in one module (one forward per step, as DDP wants):
    ``(z, x) -> (G(z), E(G(z)), G(E(x)))``."""

    def __init__(self, generator: UNAGANGenerator, encoder: MelEncoder):
        super().__init__()
        self.generator = generator
        self.encoder = encoder

    def forward(self, z: Tensor, x: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        fake = self.generator(z)
        return fake, self.encoder(fake), self.generator(self.encoder(x))


def random_segments(mels: List[Tensor], weights: Tensor, batch: int, frames: int, pad: float,
                    generator: torch.Generator) -> Tensor:
    """``Tensor[batch x n_mels x frames]`` from ``mels`` (files picked by length; short ones padded)."""
    picks = torch.multinomial(weights, batch, replacement=True, generator=generator).tolist()
    out = torch.full((batch, mels[0].shape[0], frames), pad)
    for i, f in enumerate(picks):
        mel = mels[f]
        room = mel.shape[1] - frames
        start = int(torch.randint(0, room + 1, (1,), generator=generator)) if room > 0 else 0
        piece = mel[:, start:start + frames]
        out[i, :, :piece.shape[1]] = piece
    return out


class UNAGANTrainer(Trainer):
    """Options: ``audio`` (folder of recordings), ``segment_frames``, ``original_layers``,
    ``size`` (``"cpu"``, the default, or ``"paper"``: the original's widths, batch, segment
    and learning rate), ``mel`` (a :class:`MelConfig`) and ``overrides``
    (``{"unagan"|"mel": {name: value}}``), with the loop's options (:class:`TrainConfig`)."""

    kind = "unagan"
    project = "demiurge-unagan"
    best_by = "val_frechet"
    best_by_before = "val_convergence"   # UNAGAN runs made before the Fréchet distance
    defaults = DEFAULTS["unagan"]
    options = ("audio", "segment_frames", "lr_half_life", "original_layers", "size", "mel", "overrides")
    prefixes = {"mel": "mel"}
    set_prefixes = {"unagan": "u"}

    def make_config(self, base: Optional[Dict[str, Any]]) -> Dict[str, Any]:
        given, base = self.given, base or {}
        overrides, mel, stored = audio_parts(given, base)
        size = given.get("size", "cpu")
        if size not in SIZES:
            raise DemiurgeError(f"--size must be one of {', '.join(SIZES)}, not {size!r}")
        preset = PAPER_TRAIN if size == "paper" else CPU_TRAIN
        cfg = UNAGANConfig.from_dict(base["unagan"]) if "unagan" in base else UNAGANConfig()
        if size == "paper":
            cfg = cfg.replace(**UNAGAN_PAPER_SIZE)
        if given.get("original_layers"):
            cfg = cfg.replace(causal=False)
        cfg = apply(cfg, overrides.get("unagan"))
        if "segment_frames" in given:
            stored["segment_frames"] = given["segment_frames"]
        if "lr_half_life" in given:
            if given["lr_half_life"] < 0:
                raise DemiurgeError(f"--lr-half-life must be 0 (constant) or a positive number of "
                                    f"steps, not {given['lr_half_life']}")
            stored["lr_half_life"] = given["lr_half_life"]
        train = self.train_section(stored, batch_size=preset["batch_size"],
                                   segment_frames=preset["segment_frames"], betas=(0.5, 0.999),
                                   gamma=1.0, lambda_k=0.01, k0=0.0, lambda_cycle=1.0, grad_clip=3.0,
                                   lr_half_life=0, validation_segments=4)
        if train["lr"] is None:
            train["lr"] = preset["lr"]
        if train["segment_frames"] % cfg.frames_per_z:
            raise DemiurgeError(f"--segment-frames ({train['segment_frames']}) must be a multiple of "
                                f"{cfg.frames_per_z} (mel frames per z vector)")
        train["segment_samples"] = train["segment_frames"] * mel.hop_length
        return {"model": "unagan", "unagan": cfg.to_dict(), "mel": mel.to_dict(), "train": train}

    def build(self, config, state, run) -> None:
        train = config["train"]
        device = self.device
        self.mel_config = mel_config = MelConfig.from_dict(config["mel"])
        corpus = audio_corpus(config, min_samples=16 * mel_config.hop_length, log=self.log_main)
        self.steps_per_epoch = corpus.train_samples // (train["batch_size"] * train["segment_samples"])
        cfg = UNAGANConfig.from_dict(config["unagan"])
        logmel = LogMel(mel_config)
        train_mels = file_mels(corpus.train, logmel)
        if state is None:
            self.stats = mel_statistics(train_mels)
        else:
            self.stats = (torch.tensor(state["stats"]["mean"]), torch.tensor(state["stats"]["std"]))
        mean, std = (s.unsqueeze(1) for s in self.stats)
        self.train_mels = [(m - mean) / std for m in train_mels]
        self.weights = torch.tensor([m.shape[1] for m in self.train_mels], dtype=torch.float64)
        self.pad = float((torch.log10(torch.tensor(mel_config.log_floor)) - mean).mean() / std.mean())
        val_mels = [(m - mean) / std for m in file_mels(corpus.val, logmel)]
        frames = train["segment_frames"]
        val_weights = torch.tensor([m.shape[1] for m in val_mels], dtype=torch.float64)
        self.validation = random_segments(val_mels, val_weights, train["validation_segments"], frames, self.pad,
                                          torch.Generator().manual_seed(1234))
        self.val_z = torch.randn(train["validation_segments"], cfg.z_channels, frames // cfg.frames_per_z,
                                 generator=torch.Generator().manual_seed(4321))
        self.val_stats = FrameStatistics.of(torch.cat(val_mels, dim=1).T.double().numpy())
        self.frechet_z = torch.randn(FRECHET_CLIPS, cfg.z_channels, FRECHET_FRAMES // cfg.frames_per_z,
                                     generator=torch.Generator().manual_seed(5678))

        generator = UNAGANGenerator(cfg, n_mels=mel_config.n_mels, hop_length=mel_config.hop_length)
        encoder = MelEncoder(cfg, n_mels=mel_config.n_mels)
        discriminator = MelAutoencoder(cfg, n_mels=mel_config.n_mels)
        generator.set_stats(*self.stats)
        if state is not None:
            generator.load_state_dict(state["generator"])
            encoder.load_state_dict(state["encoder"])
            discriminator.load_state_dict(state["discriminator"])
        self.cycle = distributed.wrap(CycleGenerator(generator, encoder).to(device), self.dist, device)
        self.discriminator = distributed.wrap(discriminator.to(device), self.dist, device)
        betas = tuple(train["betas"])
        self.opt_g = torch.optim.Adam(self.cycle.parameters(), lr=train["lr"], betas=betas)
        self.opt_d = torch.optim.Adam(self.discriminator.parameters(), lr=train["lr"], betas=betas)
        self.k = float(train["k0"])
        if state is not None:
            self.opt_g.load_state_dict(state["opt_g"])
            self.opt_d.load_state_dict(state["opt_d"])
            self.k = float(state["k"])
        self.cfg = cfg

    def learning_rate(self, step: int) -> float:
        """The learning rate of ``step``: ``lr``, halved every ``lr_half_life`` steps if set."""
        train = self.config["train"]
        half_life = train.get("lr_half_life") or 0
        return train["lr"] * (0.5 ** (step / half_life) if half_life else 1.0)

    def train_step(self, step: int, generator: torch.Generator) -> Dict[str, float]:
        train = self.config["train"]
        for opt in (self.opt_g, self.opt_d):
            for group in opt.param_groups:
                group["lr"] = self.learning_rate(step)
        batch, frames = train["batch_size"], train["segment_frames"]
        x = random_segments(self.train_mels, self.weights, batch, frames, self.pad, generator).to(self.device)
        z = torch.randn(batch, self.cfg.z_channels, frames // self.cfg.frames_per_z, generator=generator)
        fake, z_cycle, x_cycle = self.cycle(z.to(self.device), x)

        recon = self.discriminator(torch.cat([x, fake.detach()]))
        loss_real = (recon[:batch] - x).abs().mean()
        loss_fake_d = (recon[batch:] - fake.detach()).abs().mean()
        loss_d = loss_real - self.k * loss_fake_d
        self.opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        torch.nn.utils.clip_grad_norm_(self.discriminator.parameters(), train["grad_clip"])
        self.opt_d.step()

        loss_fake = (self.discriminator(fake) - fake).abs().mean()
        cycle = (z_cycle - z.to(self.device)).abs().mean() + (x_cycle - x).abs().mean()
        loss_g = loss_fake + train["lambda_cycle"] * cycle
        self.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        torch.nn.utils.clip_grad_norm_(self.cycle.parameters(), train["grad_clip"])
        self.opt_g.step()

        real_mean = distributed.mean(loss_real.detach(), self.dist)
        fake_mean = distributed.mean(loss_fake.detach(), self.dist)
        balance = float(train["gamma"] * real_mean - fake_mean)
        self.k = min(max(self.k + train["lambda_k"] * balance, 0.0), 1.0)
        return {"loss_g": loss_g.item(), "loss_d": loss_d.item(), "convergence": float(real_mean) + abs(balance),
                "k": self.k, "loss_real": float(real_mean), "loss_fake": float(fake_mean), "cycle": cycle.item()}

    def evaluate(self, step, run, logger) -> Tuple[float, Dict[str, float]]:
        generator = distributed.unwrap(self.cycle).generator
        discriminator = distributed.unwrap(self.discriminator)
        gamma = self.config["train"]["gamma"]
        x = self.validation.to(self.device)
        discriminator.eval()  # no spectral-norm power iteration: ranks keep identical buffers
        with torch.no_grad():
            fake = generator(self.val_z.to(self.device))
            loss_real = float((discriminator(x) - x).abs().mean())
            loss_fake = float((discriminator(fake) - fake).abs().mean())
            generated = generator(self.frechet_z.to(self.device))
        discriminator.train()
        convergence = loss_real + abs(gamma * loss_real - loss_fake)
        frames = generated.transpose(1, 2).reshape(-1, generated.shape[1]).double().cpu().numpy()
        metric = frechet_distance(FrameStatistics.of(frames), self.val_stats)
        samples = run.path / "samples"
        samples.mkdir(parents=True, exist_ok=True)
        if not (samples / "z.npy").exists():
            np.save(samples / "z.npy", self.val_z.numpy())
            run.record_file("sample_z", "samples/z.npy", "the noise the sample mels are generated from")
        name = f"step_{step:08d}"
        np.save(samples / f"{name}.npy", fake.cpu().numpy())
        save_mel_png(samples / f"{name}.png", [("held-out mel (z-scored)", x[0].cpu().numpy()),
                                                (f"generated, step {step}", fake[0].cpu().numpy())])
        logger.log_image("mel", samples / f"{name}.png", step=step)
        return metric, {"val_frechet": metric, "val_convergence": convergence, "val_loss_real": loss_real,
                        "val_loss_fake": loss_fake}

    def statistics(self) -> Dict[str, Any]:
        mean, std = self.stats
        return {"mean": mean.tolist(), "std": std.tolist()}

    def state(self) -> Dict[str, Any]:
        cycle = distributed.unwrap(self.cycle)
        return {"generator": cycle.generator.state_dict(), "encoder": cycle.encoder.state_dict(),
                "discriminator": distributed.unwrap(self.discriminator).state_dict(),
                "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(), "k": self.k,
                "stats": self.statistics()}
