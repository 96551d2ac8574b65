"""``demiurge-live``: Demiurge as an instrument, steered over OSC.

    demiurge-live --osc-port 9000                  # the embedded default, default sound card
    demiurge-live --db DB_DIR --predictor RUN --mode follow --device 3
    demiurge-live --input-file in.wav --output-file out.wav   # the same engine, offline
    demiurge-live --list-devices

See ``docs/live.md`` and the generated address list in ``docs/osc.md``.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from typing import List, Optional

from demiurge.errors import DemiurgeError, exit_status
from demiurge.sequencer.query_settings import SEARCHES
from demiurge.live.params import MODES, PARAMS_BY_NAME

log = logging.getLogger("demiurge.live")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="demiurge-live",
        description="Listen to an audio input, describe it as it arrives, forecast where it is "
                    "going and answer with segments of a descriptor DB, in real time, "
                    "controlled over OSC (send /demiurge/help for the address list).")
    p.add_argument("--osc-port", type=int, default=9000,
                   help="UDP port to listen on, on 127.0.0.1 (default 9000; 0 picks a free one)")
    p.add_argument("--osc-reply-port", type=int, default=None,
                   help="send replies to this port on the sender's host (default: the "
                        "sender's own port)")
    p.add_argument("--db", default=None,
                   help="descriptor DB folder (`demiurge describe`); default: the embedded demo DB")
    p.add_argument("--audio-root", default=None, metavar="DIR",
                   help="the folder the DB's audio is in now, if it moved after `describe`")
    p.add_argument("--predictor", default=None,
                   help="predictor run directory, run id or exported .ts; default: the "
                        "embedded demo predictor")
    p.add_argument("--mode", choices=MODES, default=PARAMS_BY_NAME["mode"].default,
                   help="mosaic, follow or dream (default %(default)s)")
    p.add_argument("--device", default=None,
                   help="audio device number or name (see --list-devices); default: the "
                        "system default")
    p.add_argument("--list-devices", action="store_true", help="list audio devices and exit")
    p.add_argument("--samplerate", type=int, default=None,
                   help="device sample rate; must equal the DB's (default: the DB's rate)")
    p.add_argument("--blocksize", type=int, default=256,
                   help="samples per audio block; must divide the descriptor hop "
                        "(default %(default)s)")
    p.add_argument("--cushion", type=int, default=2,
                   help="blocks the engine thread has to answer each block (more: fewer late "
                        "blocks, more latency; default %(default)s)")
    p.add_argument("--search", choices=SEARCHES, default="auto",
                   help="nearest-frame search: exact, hnsw (faiss, approximate, fast on large "
                        "DBs) or auto (hnsw from 50,000 frames on when faiss is installed)")
    p.add_argument("--input-file", default=None,
                   help="render this audio file offline through the engine (no sound card)")
    p.add_argument("--output-file", default=None, help="where --input-file's render goes (wav)")
    p.add_argument("--verbose", action="store_true",
                   help="with an error, also print the underlying library's message")
    return p


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("demiurge-live: %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    return exit_status("demiurge-live", lambda: run(args), verbose=args.verbose)


def run(args: argparse.Namespace) -> int:
    if args.list_devices:
        from demiurge.live.audio import list_devices

        print(list_devices())
        return 0
    if (args.input_file is None) != (args.output_file is None):
        raise DemiurgeError("--input-file and --output-file go together: give both to render "
                            "a file offline, or neither to run live")
    if args.input_file is None:  # before the DB and models load, which can take minutes
        from demiurge.live.audio import check_device

        check_device(args.device)
    engine = build_engine(args)
    if args.input_file is not None:
        return render(engine, args.input_file, args.output_file)
    return serve(engine, args)


def build_engine(args: argparse.Namespace):
    import torch

    from demiurge.live.engine import Engine
    from demiurge.live.loading import default_models, load_db, load_forecaster

    torch.set_num_threads(1)
    db_path, predictor_path = args.db, args.predictor
    # The user's own files first, so a mistake in them is reported before anything is built.
    db = load_db(db_path, search=args.search, audio_root=args.audio_root) \
        if db_path is not None else None
    forecaster = load_forecaster(predictor_path) if predictor_path is not None else None
    if db is None or forecaster is None:
        default_db, default_predictor = default_models(log=lambda line: log.info("%s", line))
        if db is None:
            db_path = default_db
            db = load_db(db_path, search=args.search)
        if forecaster is None:
            predictor_path = default_predictor
            forecaster = load_forecaster(predictor_path)
    if args.samplerate is not None and args.samplerate != db.config.sample_rate:
        raise DemiurgeError(f"--samplerate {args.samplerate} differs from the DB's "
                            f"{db.config.sample_rate} Hz ({db_path}); run the device at "
                            f"{db.config.sample_rate} Hz or describe the audio at "
                            f"{args.samplerate} Hz")
    from demiurge.dsp.config import preset_name

    log.info("DB %s (%d frames, %s descriptor preset), predictor %s", db_path, len(db.offsets),
             preset_name(db.config), predictor_path)
    return Engine(db=db, forecaster=forecaster, block=args.blocksize, params={"mode": args.mode})


def render(engine, input_file: str, output_file: str) -> int:
    from demiurge.data.audio import load_audio, write_audio

    audio = load_audio(input_file, sample_rate=engine.samplerate)
    out = engine.render(audio)
    write_audio(output_file, out, sample_rate=engine.samplerate)
    log.info("rendered %s (%.1f s, mode %s) to %s", input_file, out.shape[0] / engine.samplerate,
             engine.params["mode"], output_file)
    return 0


def serve(engine, args: argparse.Namespace) -> int:
    from demiurge.live.audio import realtime_priority
    from demiurge.live.host import Host
    from demiurge.live.osc import OscServer

    host = Host(engine, device=args.device, cushion=args.cushion, search=args.search)
    server = OscServer(host, port=args.osc_port, reply_port=args.osc_reply_port)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    server.start()
    realtime_priority(1)  # the main thread too: see realtime_priority
    try:
        host.start()
        print(f"demiurge-live: listening for OSC on 127.0.0.1:{server.port}, mode "
              f"{engine.params['mode']}; Ctrl-C to quit", flush=True)
        while not done.wait(0.5):
            pass
    finally:
        server.close()
        host.close()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
