"""The OSC server of ``demiurge-live``: routes generated from :mod:`demiurge.live.params`.

Listens on 127.0.0.1 (python-osc ``ThreadingOSCUDPServer``). Replies leave from the server's
own socket to the sender's address, or to ``reply_port`` on the sender's host when given
(for clients such as Pd's ``[netsend]`` that cannot receive on their sending port). Messages
that are not about one request (a finished load, per-frame match events, an engine error) go
to the latest client.

Every bad message is answered with ``/demiurge/error <address> <problem>`` and logged; none
stops the engine.
"""

from __future__ import annotations

import difflib
import logging
import threading
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from pythonosc import osc_packet
from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.osc_server import ThreadingOSCUDPServer

from demiurge.errors import DemiurgeError
from demiurge.live.audio import realtime_priority
from demiurge.live.params import (COMMANDS_BY_NAME, PARAMS_BY_NAME, PREFIX, MessageError,
                                  help_messages)

log = logging.getLogger("demiurge.live")

Address = Tuple[str, int]
KNOWN = [f"{PREFIX}/{n}" for n in (*PARAMS_BY_NAME, *COMMANDS_BY_NAME)]


class _Dispatch(Dispatcher):
    """Hands every packet to :meth:`OscServer.handle_packet` (python-osc's own dispatcher
    drops unknown addresses and unparsable packets without a word)."""

    def __init__(self, on_packet: Callable[[bytes, Address], None]):
        super().__init__()
        self._on_packet = on_packet

    def call_handlers_for_packet(self, data: bytes, client_address: Address) -> List:
        self._on_packet(data, client_address)
        return []


class _Server(ThreadingOSCUDPServer):
    """Lets every datagram through to the dispatcher, so malformed ones are answered too."""

    def verify_request(self, request, client_address) -> bool:
        return True


class OscServer:
    """OSC control of a :class:`~demiurge.live.host.Host`.

    Args:
        host: the host to control (its ``notify`` is pointed at this server).
        port: UDP port on 127.0.0.1 (0 picks a free one; see :attr:`port`).
        reply_port: send replies to this port on the sender's host instead of the sender's port.
        event_interval: seconds between deliveries of match events and engine errors.
    """

    def __init__(self, host, *, port: int = 9000, reply_port: Optional[int] = None,
                 event_interval: float = 0.01):
        self.host = host
        host.notify = self.notify
        self.reply_port = reply_port
        self.client: Optional[Address] = None
        self.event_interval = event_interval
        try:
            self.server = _Server(("127.0.0.1", port), _Dispatch(self.handle_packet))
        except OSError as exc:
            raise DemiurgeError(f"cannot listen for OSC on 127.0.0.1:{port} ({exc.strerror}); "
                                "choose another --osc-port") from None
        self._stop = threading.Event()
        self._threads: List[threading.Thread] = []
        self._commands: Dict[str, Callable[[Sequence[Any], Address], None]] = {
            "start": lambda args, to: self._ack_after(self.host.start, "start", to),
            "stop": lambda args, to: self._ack_after(self.host.stop, "stop", to),
            "load/db": lambda args, to: self.host.load_db(args[0]),
            "load/predictor": lambda args, to: self.host.load_predictor(args[0]),
            "seed": lambda args, to: self.host.seed(args[0]) if args else
            self._ack_after(self.host.seed, "seed", to),
            "record": lambda args, to: self._ack_after(lambda: self.host.record(args[0]),
                                                       "record", to, args[0]),
            "record/stop": self._record_stop,
            "status": lambda args, to: self.send(f"{PREFIX}/status", self.host.status(), to),
            "help": self._help,
        }

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        for target, name in ((self._serve, "demiurge-osc"), (self._pump, "demiurge-osc-events")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        log.info("OSC listening on 127.0.0.1:%d", self.port)

    def close(self) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()
        for thread in self._threads:
            thread.join(timeout=2)

    # ------------------------------------------------------------------ incoming
    def handle_packet(self, data: bytes, sender: Address) -> None:
        to = (sender[0], self.reply_port) if self.reply_port else sender
        self.client = to
        try:
            messages = [m.message for m in osc_packet.OscPacket(data).messages]
        except osc_packet.ParseError as exc:
            self.error("?", f"not a valid OSC packet ({exc})", to)
            return
        for message in messages:
            self.handle_message(message.address, list(message.params), to)

    def handle_message(self, address: str, args: List[Any], to: Address) -> None:
        name = address[len(PREFIX) + 1:] if address.startswith(PREFIX + "/") else None
        try:
            if name in PARAMS_BY_NAME:
                value = PARAMS_BY_NAME[name].coerce(args)
                self.host.set(name, value)
                self.send(address, [int(value) if isinstance(value, bool) else value], to)
            elif name in COMMANDS_BY_NAME:
                self._commands[name](COMMANDS_BY_NAME[name].coerce(args), to)
            else:
                near = difflib.get_close_matches(address, KNOWN, n=1, cutoff=0.8)
                hint = f"; did you mean {near[0]}?" if near else f"; send {PREFIX}/help for the list"
                raise MessageError(f"unknown address{hint}")
        except (MessageError, DemiurgeError) as exc:
            self.error(address, str(exc), to)

    # ------------------------------------------------------------------ commands
    def _ack_after(self, action: Callable[[], None], name: str, to: Address, *args) -> None:
        action()
        self.send(f"{PREFIX}/{name}", list(args) or [1], to)

    def _record_stop(self, args, to: Address) -> None:
        path, seconds = self.host.record_stop()
        self.send(f"{PREFIX}/record/done", [path, float(seconds)], to)

    def _help(self, args, to: Address) -> None:
        for address, reply in help_messages():
            self.send(address, reply, to)

    # ------------------------------------------------------------------ outgoing
    def send(self, address: str, args: Sequence[Any], to: Optional[Address] = None) -> None:
        to = to or self.client
        if to is None:
            return
        builder = OscMessageBuilder(address=address)
        for arg in args:
            builder.add_arg(arg)
        try:
            self.server.socket.sendto(builder.build().dgram, to)
        except OSError as exc:  # the client went away: nothing to tell it
            log.warning("cannot send %s to %s:%d (%s)", address, to[0], to[1], exc)

    def error(self, address: str, problem: str, to: Optional[Address] = None) -> None:
        log.error("OSC %s: %s", address, problem)
        self.send(f"{PREFIX}/error", [address, problem], to)

    def notify(self, address: str, args: list) -> None:
        """For the host: a message to the latest client (load results, background errors)."""
        self.send(address, args)

    def _serve(self) -> None:
        realtime_priority(1)
        self.server.serve_forever()

    def _pump(self) -> None:
        """Deliver per-frame match events and report an engine failure, off the audio path."""
        realtime_priority(1)
        engine_thread = self.host.engine_thread
        reported = None
        while not self._stop.wait(self.event_interval):
            events = self.host.engine.events
            while events:
                file, offset, distance = events.popleft()
                self.send(f"{PREFIX}/match", [file, int(offset), float(distance)])
            if engine_thread.error is not None and engine_thread.error is not reported:
                reported = engine_thread.error
                self.error(f"{PREFIX}/engine", f"the engine failed on a block and answered "
                           f"with silence: {type(reported).__name__}: {reported}")
