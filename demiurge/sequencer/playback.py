"""Playback: one chosen DB frame becomes exactly one hop of output audio.

Frame j of a sequence plays the hop of its source audio centred on the frame's sample offset
``c_j`` (samples ``[c_j - hop/2, c_j + hop/2)``) at output samples ``[j*hop, (j+1)*hop)``, so
N frames give N*hop samples and every frame's centre lands at ``j*hop + hop/2``: the output
keeps the descriptor timeline. Consecutive hops are joined by a crossfade of ``crossfade``
samples centred on the join, reading each side's source on past its hop:

* a jump (frame j does not continue frame j-1 in the source) fades with equal-power gains
  ``cos``/``sin`` (constant loudness for unrelated material);
* a continuation (frame j is the source frame after frame j-1) fades with ``cos^2``/``sin^2``
  gains, which sum to one over identical samples: contiguous source plays back unchanged.

The first frame of a sequence starts at full gain and the last one ends at full gain.
"""

from __future__ import annotations

import math
from typing import List, Tuple

import numpy as np
import torch
from torch import Tensor, nn

from demiurge.data.audio import load_audio
from demiurge.errors import DemiurgeError


class Playback(nn.Module):
    """Frame-by-frame concatenative playback of DB audio, offline and streaming.

    Args:
        audio: ``Tensor[S]`` the DB audio, every file preceded and followed by at least
            ``hop`` zeros (see :func:`pack_audio`).
        centres: ``Tensor[N]`` (int64) position in ``audio`` of each DB frame's centre.
        hop_length: samples per frame.
        crossfade: crossfade length in samples (even, ``0 <= crossfade <= hop``; -1: one hop).
        audio_dtype: how ``audio`` is kept: ``torch.float32``, or ``torch.float16`` (half the
            memory; each sample rounded to 11 significant bits, read back as float32).

    Offline (``forward``): ``Tensor[N] rows -> Tensor[N * hop]``.
    Streaming (``stream``): ``Tensor[1] row -> Tensor[hop]``, one call per frame; the output is
    ``forward``'s delayed by ``latency_samples = crossfade // 2`` (the crossfade into frame j
    starts half a crossfade before frame j's hop). The first call's first ``crossfade // 2``
    samples are frame 0's lead-in. State: the previous frame's source start; ``reset()``
    starts a new sequence.
    """

    def __init__(self, audio: Tensor, centres: Tensor, *, hop_length: int = 1024,
                 crossfade: int = -1, audio_dtype: torch.dtype = torch.float32):
        super().__init__()
        crossfade = hop_length if crossfade == -1 else crossfade
        if crossfade < 0 or crossfade > hop_length or crossfade % 2:
            raise DemiurgeError(f"crossfade must be an even number of samples between 0 and the "
                                f"hop ({hop_length}), not {crossfade}")
        if hop_length % 2:
            raise DemiurgeError(f"playback needs an even hop_length, not {hop_length}")
        self.hop = hop_length
        self.fade = crossfade
        self.half = crossfade // 2
        self.latency_samples = crossfade // 2
        if audio_dtype not in (torch.float32, torch.float16):
            raise DemiurgeError(f"playback keeps its audio in float32 or float16, not {audio_dtype}")
        self.register_buffer("audio", audio.to(audio_dtype).contiguous())
        # Source position of the first sample of each frame's hop.
        self.register_buffer("starts", centres.long() - hop_length // 2)
        if bool((self.starts - self.half < 0).any()) or \
                bool((self.starts + hop_length + self.half > audio.shape[0]).any()):
            raise DemiurgeError("playback audio must pad every file with hop_length zeros")
        theta = (torch.arange(crossfade, dtype=torch.float64) + 0.5) * (math.pi / 2 / max(crossfade, 1))
        # Rows: fade-out and fade-in gains for a jump (equal power) and a continuation (equal gain).
        self.register_buffer("fade_out", torch.stack([theta.cos(), theta.cos().square()]).float())
        self.register_buffer("fade_in", torch.stack([theta.sin(), theta.sin().square()]).float())
        self.register_buffer("offsets", torch.arange(hop_length + crossfade))
        self.register_buffer("previous", torch.full([1], -1, dtype=torch.long))

    @torch.jit.ignore
    def with_crossfade(self, crossfade: int) -> "Playback":
        """The same audio and frames with another crossfade (sharing the audio); the new
        playback continues from this one's previous frame."""
        new = Playback(self.audio, self.starts + self.hop // 2, hop_length=self.hop,
                       crossfade=crossfade, audio_dtype=self.audio.dtype)
        new.previous.copy_(self.previous)
        return new

    def _grains(self, starts: Tensor) -> Tensor:
        """``Tensor[N]`` hop starts -> ``Tensor[N x (hop + crossfade)]`` source with lead-in/out."""
        idx = (starts - self.half).unsqueeze(1) + self.offsets
        return self.audio[idx].float()

    def forward(self, rows: Tensor) -> Tensor:
        """Play a whole sequence of DB rows: ``Tensor[N] -> Tensor[N * hop]``."""
        n = rows.shape[0]
        if n == 0:
            return torch.zeros(0, device=self.audio.device)
        starts = self.starts[rows]
        grains = self._grains(starts)  # grain j covers output [j*hop - half, (j+1)*hop + half)
        if self.fade > 0:
            cont = (starts[1:] == starts[:-1] + self.hop).long()  # join j+1 continues j
            gain = torch.ones_like(grains)
            gain[1:, : self.fade] = self.fade_in.index_select(0, cont)
            gain[:-1, self.hop:] = self.fade_out.index_select(0, cont)
            gain[0, : self.fade] = 1.0
            gain[n - 1, self.hop:] = 1.0
            grains = grains * gain
        # Overlap-add: grain j's first hop samples go to [j*hop - half, (j+1)*hop - half), its
        # last `fade` samples overlap the start of grain j+1.
        body = grains[:, : self.hop].reshape(-1)
        tails = torch.nn.functional.pad(grains[:, self.hop:], [0, self.hop - self.fade]).reshape(-1)
        out = body.clone()
        out[self.hop:] += tails[: (n - 1) * self.hop]
        last_tail = grains[n - 1, self.hop: self.hop + self.half]
        return torch.cat([out[self.half:], last_tail])

    @torch.jit.export
    def reset(self) -> None:
        """Forget the previous frame: the next ``stream`` call starts a new sequence."""
        self.previous.fill_(-1)

    @torch.jit.export
    def stream(self, row: Tensor) -> Tensor:
        """Play the next frame: ``Tensor[1]`` DB row -> ``Tensor[hop]`` output samples.

        Equals ``forward`` over the whole sequence delayed by ``latency_samples``.
        """
        start = self.starts[row[0]]
        grain = self._grains(start.reshape(1))[0, : self.hop]
        prev = int(self.previous[0])
        if self.fade > 0 and prev >= 0:
            cont = int(bool(start == prev + self.hop))
            tail = self.audio[prev + self.hop - self.half + self.offsets[: self.fade]].float()
            head = grain[: self.fade] * self.fade_in[cont] + tail * self.fade_out[cont]
            grain = torch.cat([head, grain[self.fade:]])
        self.previous.fill_(int(start))
        return grain


def crossfade_samples(ms: float, *, sample_rate: int, hop_length: int) -> int:
    """The crossfade of ``ms`` milliseconds in samples (rounded to an even number, as
    :class:`Playback` needs); raises :class:`DemiurgeError` above one hop."""
    samples = int(round(ms * 1e-3 * sample_rate / 2)) * 2
    if not 0 <= samples <= hop_length:
        raise DemiurgeError(f"a crossfade of {ms:g} ms is not between 0 and one hop "
                            f"({1000 * hop_length / sample_rate:.1f} ms)")
    return samples


def pack_audio(files: List[np.ndarray], *, hop_length: int) -> Tuple[np.ndarray, np.ndarray]:
    """Concatenate files with ``hop_length`` zeros around each: ``(float32[S], int64[n] offsets)``.

    ``offsets[i]`` is where file i's sample 0 lies in the packed audio.
    """
    parts, offsets, pos = [np.zeros(hop_length, np.float32)], [], hop_length
    for audio in files:
        offsets.append(pos)
        parts.extend([np.asarray(audio, np.float32), np.zeros(hop_length, np.float32)])
        pos += audio.shape[0] + hop_length
    return np.concatenate(parts), np.asarray(offsets, np.int64)


def playback_for_db(db, *, crossfade: int = -1,
                    audio_dtype: torch.dtype = torch.float32) -> Playback:
    """Load a DB's audio (at its analysis rate) into a :class:`Playback` (kept as
    ``audio_dtype``).

    ``crossfade=-1`` means one full hop. Raises :class:`DemiurgeError` if an audio file of the
    DB is missing or no longer matches its frames.
    """
    cfg = db.config
    db.check_audio()
    files = []
    for i, f in enumerate(db.files):
        audio = load_audio(db.audio_path(i), sample_rate=cfg.sample_rate, allow_silent=True)
        if audio.shape[0] // cfg.hop_length + 1 != f.frames:
            raise DemiurgeError(f"{db.audio_path(i)} has changed since it was described "
                                f"({f.frames} frames in the DB); describe the folder again")
        files.append(audio)
    packed, offsets = pack_audio(files, hop_length=cfg.hop_length)
    centres = offsets[db.file_index] + db.sample
    return Playback(torch.from_numpy(packed), torch.from_numpy(centres), hop_length=cfg.hop_length,
                    crossfade=crossfade, audio_dtype=audio_dtype)
