"""Write the Pd and Max patches in ``patches/`` (run from the repo root after changing them
here: ``python tools/make_patches.py``). Each patch loads ``../export/<model>.ts`` (written
by ``demiurge export RUN --name <model> -o export``) with nn~; channel counts are those of the
default configs (80 mels, 20 z channels, 39 descriptors)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Tuple

SR = 44100
MELS, Z, FEATURES = 80, 20, 39
OUT = Path(__file__).resolve().parents[1] / "patches"
RATE_NOTE = (f"This model runs at {SR} Hz. nn~ never tells a model the sample rate - "
             f"set the audio sample rate to {SR} Hz")


class Patch:
    """A patch as a list of boxes and connections, written as Pd or Max."""

    def __init__(self):
        self.boxes: List[Tuple[str, int, int, str]] = []   # kind, x, y, text
        self.lines: List[Tuple[int, int, int, int]] = []
        self.pd_only: set = set()   # boxes Max has no use for (Pd's info outlet)

    def add(self, kind: str, x: int, y: int, text: str, pd_only: bool = False) -> int:
        self.boxes.append((kind, x, y, text))
        if pd_only:
            self.pd_only.add(len(self.boxes) - 1)
        return len(self.boxes) - 1

    def obj(self, x: int, y: int, text: str) -> int:
        return self.add("obj", x, y, text)

    def msg(self, x: int, y: int, text: str) -> int:
        return self.add("msg", x, y, text)

    def text(self, x: int, y: int, text: str) -> int:
        return self.add("text", x, y, text)

    def connect(self, a: int, outlet: int, b: int, inlet: int) -> None:
        self.lines.append((a, outlet, b, inlet))

    def pd(self) -> str:
        rows = ["#N canvas 40 40 900 640 12;"]
        for kind, x, y, text in self.boxes:
            text = text.replace(",", " \\,").replace(";", " \\;")
            rows.append(f"#X {kind} {x} {y} {text};" if kind != "text" else f"#X text {x} {y} {text};")
        rows += [f"#X connect {a} {o} {b} {i};" for a, o, b, i in self.lines]
        return "\n".join(rows) + "\n"

    def max(self) -> str:
        classes = {"obj": "newobj", "msg": "message", "text": "comment", "floatatom": "flonum"}
        boxes = []
        for n, (kind, x, y, text) in enumerate(self.boxes):
            if n in self.pd_only:
                continue
            box = {"id": f"obj-{n}", "maxclass": classes[kind],
                   "patching_rect": [x, y, 600 if kind == "text" else max(50, 7 * len(text)), 22]}
            if kind != "floatatom":
                box["text"] = text
            boxes.append({"box": box})
        lines = [{"patchline": {"source": [f"obj-{a}", o], "destination": [f"obj-{b}", i]}}
                 for a, o, b, i in self.lines if a not in self.pd_only and b not in self.pd_only]
        return json.dumps({"patcher": {"fileversion": 1, "appversion": {"major": 8, "minor": 5},
                                       "classnamespace": "box", "rect": [40, 40, 900, 640],
                                       "boxes": boxes, "lines": lines}}, indent=1) + "\n"


def _info(p: Patch, x: int, y: int, nn: int, outlets: int) -> None:
    """Pd: a bang to nn~'s left inlet prints the model's info from the right-most outlet."""
    bang = p.add("msg", x, y, "bang", pd_only=True)
    p.connect(bang, 0, nn, 0)
    p.connect(nn, outlets, p.add("obj", x, y + 30, "print nn-info", pd_only=True), 0)


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
    fwd = p.obj(20, 160, "nn~ ../export/vocoder.ts forward 4096")
    p.connect(adc, 0, fwd, 0)
    _out(p, 20, 230, fwd)
    _info(p, 420, 90, fwd, 1)
    p.text(20, 330, f"The same through the mel: encode gives {MELS} mel channels (one value per 256 samples)")
    p.text(20, 355, "and decode turns them back into sound. Change mel channels between them to play with the spectrum.")
    enc = p.obj(20, 400, "nn~ ../export/vocoder.ts encode 4096")
    dec = p.obj(20, 470, "nn~ ../export/vocoder.ts decode 4096")
    p.connect(adc, 0, enc, 0)
    for c in range(MELS):
        p.connect(enc, c, dec, c)
    _out(p, 20, 530, dec)
    if help_text:
        p.text(420, 400, "methods: forward (1 audio in - 1 audio out) / encode (audio - 80 mels at ratio 256) / "
                         "decode (80 mels at ratio 256 - audio)")
        p.text(420, 440, "latency: the model adds the latency in export/vocoder.json (0 for causal models). "
                         "nn~ adds 2 x buffer - 64 samples when threaded.")
        p.text(420, 480, "messages: bang (info) - enable 0/1 - reload - bufsize N")
    return p


def unagan(help_text: bool) -> Patch:
    p = Patch()
    p.text(20, 10, "Demiurge UNAGAN - endless generation from internal noise (forward) or from z you steer (decode).")
    p.text(20, 35, RATE_NOTE + ". Model file: ../export/unagan.ts")
    offset = p.obj(20, 90, "sig~ 0")
    gen = p.obj(20, 160, "nn~ ../export/unagan.ts forward 4096")
    p.connect(offset, 0, gen, 0)
    _out(p, 20, 230, gen)
    for n, (x, text) in enumerate([(420, "set temperature 0.7"), (420, "set temperature 1.5"),
                                   (600, "set seed 1"), (600, "set seed 42")]):
        p.connect(p.msg(x, 90 + 30 * (n % 2), text), 0, gen, 0)
    _info(p, 780, 90, gen, 1)
    p.text(20, 330, f"decode: {Z} z channels (one value per 4096 samples) - move the sliders' numbers to steer")
    dec = p.obj(20, 470, "nn~ ../export/unagan.ts decode 4096")
    for c in range(Z):
        atom = p.add("floatatom", 20 + 40 * c, 370, "5 -4 4 0 - - -")
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
    desc = p.obj(20, 160, "nn~ ../export/predictor.ts descriptors 4096")
    fc = p.obj(20, 260, "nn~ ../export/predictor.ts forward 4096")
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
    p.connect(now, 0, p.add("floatatom", 20, 420, "8 0 0 0 - - -"), 0)
    p.connect(ahead, 0, p.add("floatatom", 220, 420, "8 0 0 0 - - -"), 0)
    p.text(20, 460, "left: loudness (mfcc0) now - right: forecast of mfcc0 `horizon` frames ahead")
    for n, text in enumerate(["set horizon 1", "set horizon 8", "set temperature 0", "set temperature 0.5"]):
        p.connect(p.msg(420 + 150 * (n // 2), 200 + 30 * (n % 2), text), 0, fc, 0)
    _info(p, 420, 90, fc, FEATURES)
    if help_text:
        p.text(420, 520, "descriptors: audio - 39 channels at ratio 1024 (13 MFCC + deltas - as demiurge describe) "
                         "with a latency of 4096 samples")
        p.text(420, 560, "forward: 39 descriptor channels - 39 forecast channels (frame t + horizon) / "
                         "attributes horizon (int 1-256) and temperature (float)")
    return p


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for name, build in (("vocoder", vocoder), ("unagan", unagan), ("predictor", predictor)):
        (OUT / f"{name}.pd").write_text(build(False).pd())
        (OUT / f"{name}-help.pd").write_text(build(True).pd())
        (OUT / f"{name}.maxpat").write_text(build(False).max())
        (OUT / f"{name}.maxhelp").write_text(build(True).max())
    print(f"wrote patches to {OUT}")


if __name__ == "__main__":
    main()
