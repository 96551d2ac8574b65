"""The nn~ patches of the exported models (``patches/{vocoder,unagan,predictor,sequencer}`` as ``.pd``,
``-help.pd``, ``.maxpat`` and ``.maxhelp``). Each loads ``../export/<model>.ts`` (written by
``demiurge export RUN --name <model> -o export``, or ``demiurge export DB --predictor RUN -o
export`` for the sequencer) with nn~. Channel counts, ratios and the
sample rate are those of the default configs, read from the configs themselves."""

from __future__ import annotations

from typing import Callable, Dict

from demiurge.dsp.config import MelConfig, MFCCConfig
from demiurge.dsp.mfcc import Descriptors
from demiurge.models.configs import UNAGANConfig
from demiurge.patches.writer import Patch
from demiurge.sequencer.controls import PARAMS_BY_NAME

MEL, MFCC, UNAGAN = MelConfig(), MFCCConfig(), UNAGANConfig()
SR = MEL.sample_rate
MELS, Z, FEATURES = MEL.n_mels, UNAGAN.z_channels, MFCC.n_features
Z_HOP = MEL.hop_length * UNAGAN.frames_per_z
DESCRIPTOR_LATENCY = Descriptors(MFCC).latency_samples
BUFFER = Z_HOP   # nn~'s buffer size: a multiple of every method's ratio (UNAGAN's z hop is the largest)
RATE_NOTE = (f"This model runs at {SR} Hz. nn~ never tells a model the sample rate - "
             f"set the audio sample rate to {SR} Hz")


def _info(p: Patch, x: int, y: int, nn: int, outlets: int) -> None:
    """Pd: a bang to nn~'s left inlet prints the model's info from the right-most outlet."""
    bang = p.msg(x, y, "bang", only="pd")
    p.connect(bang, 0, nn, 0)
    p.connect(nn, outlets, p.obj(x, y + 30, "print nn-info", only="pd"), 0)


def _out(p: Patch, x: int, y: int, source: int, outlet: int = 0) -> None:
    gain = p.obj(x, y, "*~ 0.5")
    dac = p.obj(x, y + 40, "dac~")
    p.connect(source, outlet, gain, 0)
    p.connect(gain, 0, dac, 0)
    p.connect(gain, 0, dac, 1)


def vocoder(help_text: bool) -> Patch:
    p = Patch()
    p.text(20, 10, "Demiurge vocoder - resynthesis of the input with the timbre of the training corpus.")
    p.text(20, 35, RATE_NOTE + ". Model file: ../export/vocoder.ts")
    adc = p.obj(20, 90, "adc~")
    fwd = p.obj(20, 160, f"nn~ ../export/vocoder.ts forward {BUFFER}")
    p.connect(adc, 0, fwd, 0)
    _out(p, 20, 230, fwd)
    _info(p, 420, 90, fwd, 1)
    p.text(20, 330, f"The same through the mel: encode gives {MELS} mel channels (one value per {MEL.hop_length} samples)")
    p.text(20, 355, "and decode turns them back into sound. Change mel channels between them to play with the spectrum.")
    enc = p.obj(20, 400, f"nn~ ../export/vocoder.ts encode {BUFFER}")
    dec = p.obj(20, 470, f"nn~ ../export/vocoder.ts decode {BUFFER}")
    p.connect(adc, 0, enc, 0)
    for c in range(MELS):
        p.connect(enc, c, dec, c)
    _out(p, 20, 530, dec)
    if help_text:
        p.text(420, 400, f"methods: forward (1 audio in - 1 audio out) / encode (audio - {MELS} mels at ratio "
                         f"{MEL.hop_length}) / decode ({MELS} mels at ratio {MEL.hop_length} - audio)")
        p.text(420, 440, "latency: the model adds the latency in export/vocoder.json (0 for causal models). "
                         "nn~ adds 2 x buffer - 64 samples when threaded.")
        p.text(420, 480, "messages: bang (info) - enable 0/1 - reload - bufsize N")
    return p


def unagan(help_text: bool) -> Patch:
    p = Patch()
    p.text(20, 10, "Demiurge UNAGAN - endless generation from internal noise (forward) or from z you steer (decode).")
    p.text(20, 35, RATE_NOTE + ". Model file: ../export/unagan.ts")
    offset = p.obj(20, 90, "sig~ 0")
    gen = p.obj(20, 160, f"nn~ ../export/unagan.ts forward {BUFFER}")
    p.connect(offset, 0, gen, 0)
    _out(p, 20, 230, gen)
    for n, (x, text) in enumerate([(420, "set temperature 0.7"), (420, "set temperature 1.5"),
                                   (600, "set seed 1"), (600, "set seed 42")]):
        p.connect(p.msg(x, 90 + 30 * (n % 2), text), 0, gen, 0)
    _info(p, 780, 90, gen, 1)
    p.text(20, 330, f"decode: {Z} z channels (one value per {Z_HOP} samples) - move the sliders' numbers to steer")
    dec = p.obj(20, 470, f"nn~ ../export/unagan.ts decode {BUFFER}")
    for c in range(Z):
        atom = p.number(20 + 40 * c, 370, width=5, low=-4, high=4)
        sig = p.obj(20 + 40 * c, 410, "sig~")
        p.connect(atom, 0, sig, 0)
        p.connect(sig, 0, dec, c)
    _out(p, 20, 530, dec)
    if help_text:
        p.text(420, 200, "attributes: temperature (float 0-10 - spread of the internal z) / seed (int - "
                         "setting it restarts the noise sequence)")
        p.text(420, 240, "the input of forward is added to every z channel: 0 for plain generation")
    return p


def predictor(help_text: bool) -> Patch:
    p = Patch()
    p.text(20, 10, f"Demiurge predictor - {FEATURES} MFCC descriptors of the input (descriptors) and their forecast (forward).")
    p.text(20, 35, RATE_NOTE + ". Model file: ../export/predictor.ts")
    adc = p.obj(20, 90, "adc~")
    desc = p.obj(20, 160, f"nn~ ../export/predictor.ts descriptors {BUFFER}")
    fc = p.obj(20, 260, f"nn~ ../export/predictor.ts forward {BUFFER}")
    p.connect(adc, 0, desc, 0)
    for c in range(FEATURES):
        p.connect(desc, c, fc, c)
    metro = p.obj(20, 330, "metro 100")
    p.connect(p.msg(20, 300, "1"), 0, metro, 0)
    now, ahead = p.obj(20, 380, "snapshot~"), p.obj(220, 380, "snapshot~")
    p.connect(desc, 0, now, 0)
    p.connect(fc, 0, ahead, 0)
    p.connect(metro, 0, now, 0)
    p.connect(metro, 0, ahead, 0)
    p.connect(now, 0, p.number(20, 420, width=8), 0)
    p.connect(ahead, 0, p.number(220, 420, width=8), 0)
    p.text(20, 460, "left: loudness (mfcc0) now - right: forecast of mfcc0 `horizon` frames ahead")
    for n, text in enumerate(["set horizon 1", "set horizon 8", "set temperature 0", "set temperature 0.5"]):
        p.connect(p.msg(420 + 150 * (n // 2), 200 + 30 * (n % 2), text), 0, fc, 0)
    _info(p, 420, 90, fc, FEATURES)
    if help_text:
        p.text(420, 520, f"descriptors: audio - {FEATURES} channels at ratio {MFCC.hop_length} ({MFCC.n_mfcc} MFCC "
                         f"+ deltas - as demiurge describe) with a latency of {DESCRIPTOR_LATENCY} samples")
        p.text(420, 560, f"forward: {FEATURES} descriptor channels - {FEATURES} forecast channels (frame t + horizon) / "
                         "attributes horizon (int 1-256) and temperature (float)")
    return p


# The sequencer's messages: (attribute, values offered, the live parameter it takes its range from).
SEQUENCER_MESSAGES = (("mode", ("mosaic", "follow", "dream"), "mode"),
                      ("drywet", ("1", "0.5"), "drywet"), ("gain", ("0", "-12"), "gain"),
                      ("knn", ("1", "8"), "k"), ("avoid", ("0", "4"), "avoid_repeats"),
                      ("continuity", ("0", "0.9"), "continuity"), ("horizon", ("1", "8"), "horizon"),
                      ("temperature", ("0", "0.5"), "temperature"),
                      ("weights", ("mfcc0=0", "none"), "weights"))
SEQ_BUFFER = 2 * MFCC.hop_length


def _range_text(param: str) -> str:
    p = PARAMS_BY_NAME[param]
    if p.choices:
        return "|".join(p.choices)
    if p.kind == "text":
        return "symbol NAME=W,..."
    unit = f" {p.unit}" if p.unit else ""
    return f"{p.kind} {p.minimum:g}..{p.maximum:g}{unit}"


def sequencer(help_text: bool) -> Patch:
    p = Patch()
    p.text(20, 10, "Demiurge sequencer - the whole engine in one nn~ object: the input's descriptors, "
                   "the predictor's forecast, the nearest DB frame played back. The DB is inside the file.")
    p.text(20, 35, f"This model runs at {MFCC.sample_rate} Hz (the DB's rate). nn~ never tells a model the "
                   f"sample rate - set the audio sample rate to {MFCC.sample_rate} Hz. Model file: "
                   "../export/sequencer.ts")
    adc = p.obj(20, 90, "adc~")
    seq = p.obj(20, 160, f"nn~ ../export/sequencer.ts forward {SEQ_BUFFER}")
    p.connect(adc, 0, seq, 0)
    _out(p, 20, 230, seq)
    for row, (name, values, _) in enumerate(SEQUENCER_MESSAGES):
        for col, value in enumerate(values):
            p.connect(p.msg(420 + 150 * col, 90 + 30 * row, f"set {name} {value}"), 0, seq, 0)
    _info(p, 900, 90, seq, 1)
    if help_text:
        p.text(20, 380, "forward: audio in - Demiurge's answer out (mixed with the input by drywet), the "
                        "same at every buffer size and the same as demiurge-live's render")
        p.text(20, 405, "latency: export/sequencer.json (forward's latency, mosaic mode; follow mode "
                        "answers horizon hops earlier). nn~ adds 2 x buffer - 64 samples when threaded.")
        for row, (name, _, param) in enumerate(SEQUENCER_MESSAGES):
            p.text(20, 440 + 25 * row, f"{name} ({_range_text(param)}): {PARAMS_BY_NAME[param].doc}")
        p.text(20, 440 + 25 * len(SEQUENCER_MESSAGES),
               "a value out of range is refused (nn~ prints that the setter failed) and the old one kept")
    return p


def outputs() -> Dict[str, str]:
    """``{file name in patches/: content}`` of every model patch and help patch."""
    builders: Dict[str, Callable[[bool], Patch]] = {
        "vocoder": vocoder, "unagan": unagan, "predictor": predictor, "sequencer": sequencer}
    files = {}
    for name, build in builders.items():
        files[f"{name}.pd"] = build(False).pd()
        files[f"{name}-help.pd"] = build(True).pd()
        files[f"{name}.maxpat"] = build(False).max()
        files[f"{name}.maxhelp"] = build(True).max()
    return files
