"""Sound card I/O for ``demiurge-live`` (sounddevice / PortAudio; JACK in CI).

Three threads, no locks held across inference:

* the **audio callback** only moves blocks: it copies the input block into a preallocated
  ring, copies the engine's output block for this time slot out of another ring (or, when
  that block is late, holds the last block click-free), and copies what it plays into the
  recording ring. No allocation, no I/O, no waiting.
* the **engine thread** pops input blocks, runs ``engine.process`` on each and pushes the
  output, tagged with the input block's index. The output is played ``cushion`` blocks after
  its input arrived, so the engine has that many block periods to answer.
* the **recorder thread** (while recording) drains the recording ring into a wav file.

A late block (the engine has not answered in time, or its input was lost to an overflow) is
replaced by the last block played back time-reversed, which continues it without a jump;
after one such block the hold fades to silence; when results come back the first one is
faded in over the hold with an equal-power crossfade. Late blocks are counted, never fatal.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Callable, Optional, Union

import numpy as np

from demiurge.errors import DemiurgeError


class BlockRing:
    """Single-producer, single-consumer ring of fixed-size float32 blocks, preallocated.

    ``push`` (producer) and ``peek_index`` / ``pop_into`` / ``drop`` (consumer) never allocate
    or lock: each side only advances its own counter (atomic under the GIL), so one thread
    may push while another pops.
    """

    def __init__(self, *, n_blocks: int, block: int):
        self.blocks = np.zeros((n_blocks, block), dtype=np.float32)
        self.tags = np.zeros(n_blocks, dtype=np.int64)
        self.n = n_blocks
        self.written = 0
        self.read = 0

    def __len__(self) -> int:
        return self.written - self.read

    def push(self, block: np.ndarray, tag: int = 0) -> bool:
        """Copy ``ndarray[block]`` in; False (and nothing copied) when the ring is full."""
        if self.written - self.read >= self.n:
            return False
        slot = self.written % self.n
        self.blocks[slot] = block
        self.tags[slot] = tag
        self.written += 1
        return True

    def peek_tag(self) -> int:
        """Tag of the oldest block (the ring must not be empty)."""
        return int(self.tags[self.read % self.n])

    def pop_into(self, out: np.ndarray) -> int:
        """Copy the oldest block into ``out`` and remove it; return its tag."""
        slot = self.read % self.n
        out[:] = self.blocks[slot]
        tag = int(self.tags[slot])
        self.read += 1
        return tag

    def drop(self) -> None:
        self.read += 1


class BlockExchange:
    """The audio-thread side of the engine: what the callback does with each block.

    ``exchange(in_block, out_block)`` is the whole callback body and allocates nothing. It is
    a plain class (no sound card) so hold/fade/catch-up behaviour is testable directly.
    """

    def __init__(self, *, block: int, cushion: int = 2, capacity: int = 64):
        if cushion < 1:
            raise DemiurgeError(f"the output cushion must be at least 1 block, not {cushion}")
        self.block = block
        self.cushion = cushion
        self.inputs = BlockRing(n_blocks=capacity, block=block)
        self.outputs = BlockRing(n_blocks=capacity, block=block)
        self.recording = BlockRing(n_blocks=4 * capacity, block=block)
        self.record_on = False
        self.wake = threading.Event()
        self.count = 0          # callbacks so far = index of the next input block
        self.late = 0           # blocks played as a hold because the answer was late
        self.dropped_inputs = 0  # input blocks lost because the engine thread fell behind
        self.lost_recording = 0  # played blocks the recorder could not keep up with
        self.holding = 0         # consecutive hold blocks so far
        self.last = np.zeros(block, dtype=np.float32)
        self.scratch = np.zeros(block, dtype=np.float32)
        t = (np.arange(block, dtype=np.float32) + 0.5) / block
        self.fade_in = np.sin(0.5 * np.pi * t).astype(np.float32)
        self.fade_out = np.cos(0.5 * np.pi * t).astype(np.float32)

    def exchange(self, in_block: np.ndarray, out_block: np.ndarray) -> None:
        """Queue ``in_block`` for the engine; fill ``out_block`` (both ``ndarray[block]``)."""
        index = self.count
        self.count += 1
        if not self.inputs.push(in_block, index):
            self.dropped_inputs += 1
        self.wake.set()
        want = index - self.cushion
        outputs = self.outputs
        while len(outputs) and outputs.peek_tag() < want:
            outputs.drop()  # answered too late to be played: skip to keep the latency fixed
        if want < 0:
            out_block[:] = 0.0
        elif len(outputs) and outputs.peek_tag() == want:
            if self.holding:
                outputs.pop_into(self.scratch)
                # Fade the answer in over the hold's continuation (the last block reversed).
                np.multiply(self.scratch, self.fade_in, out=out_block)
                np.multiply(self.last[::-1], self.fade_out, out=self.scratch)
                out_block += self.scratch
                self.holding = 0
            else:
                outputs.pop_into(out_block)
        else:
            self.late += 1
            np.copyto(out_block, self.last[::-1])
            if self.holding >= 1:
                # Second late block in a row: fade the hold to silence (then stay silent).
                out_block *= self.fade_out if self.holding == 1 else 0.0
            self.holding += 1
        self.last[:] = out_block
        if self.record_on and not self.recording.push(out_block):
            self.lost_recording += 1


class EngineThread:
    """Runs ``process(block) -> block`` on every queued input block, off the audio thread."""

    def __init__(self, exchange: BlockExchange, process: Callable[[np.ndarray], np.ndarray], *,
                 samplerate: int):
        self.exchange = exchange
        self.process = process
        self.period = exchange.block / samplerate
        self.cpu_load = 0.0   # engine time / block period, smoothed
        self.block_times: list = []  # seconds per block (kept only when ``keep_times``)
        self.keep_times = False
        self.error: Optional[BaseException] = None
        self.realtime = False  # whether the thread got a real-time scheduling priority
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="demiurge-engine", daemon=True)
        self._in = np.zeros(exchange.block, dtype=np.float32)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop = True
        self.exchange.wake.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        self.realtime = realtime_priority(5)
        ex = self.exchange
        while not self._stop:
            ex.wake.wait(timeout=0.05)
            ex.wake.clear()
            while len(ex.inputs) and not self._stop:
                tag = ex.inputs.pop_into(self._in)
                t0 = time.perf_counter()
                try:
                    out = self.process(self._in)
                except Exception as exc:  # keep playing: report once, answer with silence
                    if self.error is None:
                        self.error = exc
                    out = np.zeros_like(self._in)
                dt = time.perf_counter() - t0
                self.cpu_load = 0.95 * self.cpu_load + 0.05 * (dt / self.period)
                if self.keep_times:
                    self.block_times.append(dt)
                while not ex.outputs.push(out, tag):
                    if self._stop:
                        return
                    time.sleep(self.period / 4)


def realtime_priority(priority: int) -> bool:
    """Ask for round-robin real-time scheduling for the calling thread (below JACK's own
    threads), as audio applications do, so other processes cannot starve the engine. Needs
    the right to (root, or an rtprio limit); without it the thread stays as it is.

    The host's other Python threads (OSC, events, the main thread) take priority 1: they
    only sleep or answer briefly, but a thread preempted while it holds the GIL would stall
    the engine and the audio callback behind it."""
    try:
        os.sched_setscheduler(0, os.SCHED_RR, os.sched_param(priority))
        return True
    except (AttributeError, OSError):
        return False


def normal_priority() -> None:
    """Back to ordinary scheduling for the calling thread (threads inherit their creator's
    real-time priority; slow background work must not keep it)."""
    try:
        os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
    except (AttributeError, OSError):
        pass


def import_sounddevice():
    """sounddevice, with a clear error when PortAudio is missing."""
    try:
        import sounddevice as sd
    except OSError as exc:
        raise DemiurgeError(
            f"cannot use the audio device: {exc}; install PortAudio "
            "(apt-get install libportaudio2) or render files with --input-file/--output-file"
        ) from None
    return sd


NO_DEVICE = ("no audio device found (PortAudio lists none: no sound card, and no JACK server "
             "running); start JACK (for example `jackd -d dummy -r 44100 &`, or `-d alsa` with a "
             "card) and run again, or render files offline with --input-file IN.wav "
             "--output-file OUT.wav")


def list_devices() -> str:
    """PortAudio's device list; a :class:`DemiurgeError` saying what to do when it is empty."""
    devices = import_sounddevice().query_devices()
    if len(devices) == 0:
        raise DemiurgeError(NO_DEVICE)
    return str(devices)


def check_device(device: Union[None, int, str]) -> None:
    """Raise :class:`DemiurgeError` unless ``device`` (``--device``: a number, a name or part
    of one; None = the default) names a device that can play and record."""
    sd = import_sounddevice()
    devices = sd.query_devices()
    if len(devices) == 0:
        raise DemiurgeError(NO_DEVICE)
    known = "; ".join(f"{i} {d['name']!r}" for i, d in enumerate(devices))
    arg = _device_arg(device)
    if arg is None:
        if all(i < 0 for i in sd.default.device):
            raise DemiurgeError(f"there is no default audio device; pick one with --device "
                                f"(the devices are: {known}; see --list-devices)")
        return
    if isinstance(arg, int):
        if not 0 <= arg < len(devices):
            raise DemiurgeError(f"audio device {arg} does not exist (the devices are: {known}); "
                                "pick one with --device (see --list-devices)")
        info = devices[arg]
    else:
        matches = [d for d in devices if arg.lower() in d["name"].lower()]
        if not matches:
            raise DemiurgeError(f"no audio device matches {arg!r} (the devices are: {known}); "
                                "pick one with --device NUMBER or part of its name "
                                "(see --list-devices)")
        info = matches[0]
    if info["max_input_channels"] < 1 or info["max_output_channels"] < 1:
        raise DemiurgeError(f"audio device {info['name']!r} cannot both record and play "
                            f"(inputs {info['max_input_channels']}, outputs "
                            f"{info['max_output_channels']}); pick a duplex one with --device "
                            f"(the devices are: {known})")


class AudioIO:
    """A duplex mono sounddevice stream whose callback is :meth:`BlockExchange.exchange`."""

    def __init__(self, exchange: BlockExchange, *, samplerate: int,
                 device: Optional[str] = None):
        self.exchange = exchange
        self.samplerate = samplerate
        self.device = _device_arg(device)
        self.stream = None
        self.xruns = 0

    def start(self) -> None:
        sd = import_sounddevice()
        if os.environ.get("JACK_NO_START_SERVER") is None:
            os.environ["JACK_NO_START_SERVER"] = "1"
        ex = self.exchange

        def callback(indata, outdata, frames, time_info, status):
            if status:
                self.xruns += 1
            ex.exchange(indata[:, 0], outdata[:, 0])

        check_device(self.device)
        try:
            self.stream = sd.Stream(samplerate=self.samplerate, blocksize=ex.block,
                                    device=self.device, channels=1, dtype="float32",
                                    callback=callback)
            self.stream.start()
        except Exception as exc:  # PortAudioError, ValueError for bad devices
            self.stream = None
            raise DemiurgeError(
                f"cannot open the audio device {'(default)' if self.device is None else repr(self.device)} "
                f"at {self.samplerate} Hz, block {ex.block}: {exc}; pick another with --device (see --list-devices), match "
                "the device's sample rate with --samplerate, or try a larger --blocksize"
            ) from None

    @property
    def latency_samples(self) -> int:
        """The device's input + output latency, in samples (0 when stopped)."""
        if self.stream is None:
            return 0
        lat = self.stream.latency
        return int(round((lat[0] + lat[1]) * self.samplerate))

    def stop(self) -> None:
        if self.stream is not None:
            self.stream.stop()
            self.stream.close()
            self.stream = None


def _device_arg(device: Optional[str]):
    """``--device`` is a number or (part of) a name, as in sounddevice's examples."""
    if device is None or device == "":
        return None
    try:
        return int(device)
    except ValueError:
        return device


class Recorder:
    """Writes the recording ring of a :class:`BlockExchange` to a wav file, on its own thread."""

    def __init__(self, exchange: BlockExchange, *, samplerate: int):
        self.exchange = exchange
        self.samplerate = samplerate
        self.path: Optional[str] = None
        self.frames = 0
        self._thread: Optional[threading.Thread] = None
        self._stop = False

    @property
    def active(self) -> bool:
        return self._thread is not None

    def start(self, path: str) -> None:
        import soundfile as sf

        if self.active:
            self.stop()
        try:
            self._file = sf.SoundFile(path, mode="w", samplerate=self.samplerate, channels=1,
                                      format="WAV", subtype="FLOAT")
        except Exception as exc:
            raise DemiurgeError(f"cannot write {path}: {exc}; give a writable .wav path") from None
        self.path, self.frames, self._stop = path, 0, False
        ex = self.exchange
        ex.recording.read = ex.recording.written  # start from now
        ex.record_on = True
        self._thread = threading.Thread(target=self._run, name="demiurge-recorder", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        normal_priority()
        ring = self.exchange.recording
        buf = np.zeros(ring.blocks.shape[1], dtype=np.float32)
        while True:
            stopping = self._stop
            while len(ring):
                ring.pop_into(buf)
                self._file.write(buf)
                self.frames += buf.size
            if stopping:
                break
            time.sleep(0.02)

    def stop(self) -> tuple:
        """Close the file; return ``(path, seconds)``."""
        if not self.active:
            raise DemiurgeError("not recording; send /demiurge/record <path> first")
        self.exchange.record_on = False
        self._stop = True
        self._thread.join()
        self._thread = None
        self._file.close()
        return self.path, self.frames / self.samplerate
