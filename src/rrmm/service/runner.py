"""Run the service under uvicorn, with one or more worker processes on one listening socket.

The listening socket is created here with ``IPPROTO_TCP`` so that accepted connections get
``TCP_NODELAY``: uvicorn's own multi-worker supervisor binds it without the protocol, which
leaves Nagle's algorithm on and delays every keep-alive response by ~40 ms on Linux
(uvicorn issue #3149). Workers are forked after binding and each builds its own app.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
from types import FrameType

import uvicorn

from rrmm.service.app import create_app
from rrmm.service.settings import ServiceSettings

__all__ = ["serve"]


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _run_worker(settings: ServiceSettings, sock: socket.socket) -> None:
    config = uvicorn.Config(
        create_app(settings), log_level="info", server_header=False, access_log=True
    )
    uvicorn.Server(config).run(sockets=[sock])


def serve(settings: ServiceSettings, workers: int = 1) -> None:
    """Serve until interrupted; ``workers`` processes share the listening socket."""
    settings.check()
    sock = _listen(settings.host, settings.port)
    if workers == 1:
        _run_worker(settings, sock)
        return
    children: list[int] = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            try:
                _run_worker(settings, sock)
            finally:
                os._exit(0)
        children.append(pid)

    def stop(signum: int, _: FrameType | None) -> None:
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGTERM)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    for child in children:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(child, 0)
    sock.close()
    sys.stdout.flush()
