"""``demiurge-live``'s state: the engine, the audio stream, the recorder and background loads.

Every method may be called from the OSC thread; nothing here blocks the audio callback.
Slow work (opening a DB, loading a predictor, describing a seed file) runs on a loader thread
and reaches the engine as one queued switch, applied between two blocks.
"""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path
from typing import Callable, List, Optional

import numpy as np

from demiurge.errors import DemiurgeError
from demiurge.live.audio import (AudioIO, BlockExchange, EngineThread, Recorder,
                                 normal_priority)
from demiurge.live.engine import Engine

log = logging.getLogger("demiurge.live")

Notify = Callable[[str, list], None]


class Host:
    """Runs an :class:`~demiurge.live.engine.Engine` on a sound card.

    Args:
        engine: the engine.
        device: sounddevice device (number or name), None for the default.
        cushion: blocks the engine thread has to answer each block (adds ``cushion * block``
            samples of latency).
        search: nearest-frame search for DBs loaded later (``auto``, ``exact``, ``hnsw``).
        notify: sends a message to the client (``notify(address, args)``): load results,
            errors found off the OSC thread.
    """

    def __init__(self, engine: Engine, *, device: Optional[str] = None, cushion: int = 2,
                 search: str = "auto", notify: Notify = lambda address, args: None):
        self.engine = engine
        self.search = search
        self.notify = notify
        self.exchange = BlockExchange(block=engine.block, cushion=cushion)
        self.engine_thread = EngineThread(self.exchange, engine.process,
                                          samplerate=engine.samplerate)
        self.audio = AudioIO(self.exchange, samplerate=engine.samplerate, device=device)
        self.recorder = Recorder(self.exchange, samplerate=engine.samplerate)
        self.running = False
        self._thread_started = False

    # ------------------------------------------------------------------ stream
    def start(self) -> None:
        if self.running:
            return
        if not self._thread_started:
            self._warm_up()
            # Let the audio callback take the GIL from the engine thread within 0.5 ms.
            sys.setswitchinterval(5e-4)
            self.engine_thread.start()
            self._thread_started = True
        self.audio.start()
        self.running = True
        log.info("audio running: %d Hz, block %d, latency %.1f ms", self.engine.samplerate,
                 self.engine.block, self.latency_ms())

    def _warm_up(self, seconds: float = 0.5) -> None:
        """Run silence through the engine once before the stream opens: the first calls of
        torch ops are slow, and would otherwise make the first blocks late."""
        silence = np.zeros(self.engine.block, dtype=np.float32)
        for _ in range(int(seconds * self.engine.samplerate / self.engine.block)):
            self.engine.process(silence)

    def stop(self) -> None:
        if self.running:
            self.audio.stop()
            self.running = False
            log.info("audio stopped")

    def close(self) -> None:
        if self.recorder.active:
            self.record_stop()
        self.stop()
        if self._thread_started:
            self.engine_thread.stop()

    # ------------------------------------------------------------------ parameters
    def set(self, name: str, value) -> None:
        self.engine.set(name, value)

    # ------------------------------------------------------------------ loads (background)
    def load_db(self, path: str) -> None:
        from demiurge.live.loading import load_db

        _must_exist(path, "descriptor DB")
        xfade = float(self.engine.params["xfade"])
        self._background("db", path,
                         lambda: self.engine.swap_db(load_db(path, crossfade_ms=xfade,
                                                             search=self.search)))

    def load_predictor(self, path: str) -> None:
        from demiurge.live.loading import load_forecaster

        _must_exist(path, "predictor (a run directory or an exported .ts)")
        self._background("predictor", path,
                         lambda: self.engine.swap_predictor(load_forecaster(path)))

    def seed(self, path: Optional[str] = None) -> None:
        if path is None:
            self.engine.seed()
            return
        from demiurge.live.loading import describe_file

        _must_exist(path, "audio file")

        def work():
            frames = describe_file(path, config=self.engine.db.config)
            self.engine.seed(frames[:, -self.engine.core.history_size:])
        self._background("seed", path, work)

    def _background(self, what: str, path: str, work: Callable[[], None]) -> None:
        def run():
            normal_priority()
            try:
                work()
            except DemiurgeError as exc:
                log.error("load/%s %s: %s", what, path, exc)
                self.notify("/demiurge/error", [f"/demiurge/load/{what}" if what != "seed"
                                                else "/demiurge/seed", str(exc)])
                return
            except Exception as exc:  # an unexpected file: report it, keep playing
                log.exception("load/%s %s failed", what, path)
                self.notify("/demiurge/error", [f"/demiurge/load/{what}",
                                                f"{path}: {type(exc).__name__}: {exc}"])
                return
            log.info("loaded %s %s", what, path)
            self.notify("/demiurge/loaded", [what, str(path)])

        threading.Thread(target=run, name=f"demiurge-load-{what}", daemon=True).start()

    # ------------------------------------------------------------------ recording
    def record(self, path: str) -> None:
        parent = Path(path).expanduser().resolve().parent
        if not parent.is_dir():
            raise DemiurgeError(f"cannot record to {path}: folder {parent} does not exist")
        self.recorder.start(str(Path(path).expanduser()))
        log.info("recording to %s", path)

    def record_stop(self) -> tuple:
        path, seconds = self.recorder.stop()
        log.info("recorded %.2f s to %s", seconds, path)
        return path, seconds

    # ------------------------------------------------------------------ status
    def latency_ms(self) -> float:
        samples = self.engine.latency_samples() + self.exchange.cushion * self.engine.block + \
            self.audio.latency_samples
        return 1000.0 * samples / self.engine.samplerate

    def status(self) -> List:
        """The ``/demiurge/status`` reply (see :data:`demiurge.live.params.STATUS_FIELDS`)."""
        file, offset, _ = self.engine.match()
        return [int(self.running), str(self.engine.params["mode"]), int(self.engine.samplerate),
                int(self.engine.block), float(self.latency_ms()), int(self.exchange.late),
                float(self.engine_thread.cpu_load), file, int(offset)]


def _must_exist(path: str, what: str) -> None:
    if not Path(path).expanduser().exists():
        raise DemiurgeError(f"{path}: no such file or folder (expected a {what})")
