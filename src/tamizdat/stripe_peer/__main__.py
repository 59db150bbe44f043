"""`python -m tamizdat.stripe_peer --host 127.0.0.1 --port 8420`

With `--port 0` the system picks a free port. Either way, once the server accepts connections
it prints one line, `STRIPE_PEER_READY http://host:port`, on stdout (control.py waits for it);
logs go to stderr. With `--exit-with-parent` it stops when the process that started it is gone,
however that ended (the demo's web server, a test run that was killed).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import socket
import sys

from aiohttp import web


async def serve(args: argparse.Namespace, parent: int) -> None:
    from .server import build_app  # imports localstripe, which builds its own app on import

    app = build_app(
        webhook_max_attempts=args.webhook_max_attempts,
        webhook_retry_base=args.webhook_retry_base,
    )
    access_log = logging.getLogger("aiohttp.access") if args.verbose else None
    runner = web.AppRunner(app, access_log=access_log)
    await runner.setup()
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    await web.SockSite(runner, sock).start()
    host = f"[{args.host}]" if family == socket.AF_INET6 else args.host
    print(f"STRIPE_PEER_READY http://{host}:{sock.getsockname()[1]}", flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    watch = None
    if args.exit_with_parent:
        watch = asyncio.create_task(_stop_when_orphaned(stop, parent))
    await stop.wait()
    if watch is not None:
        watch.cancel()
    await runner.cleanup()


async def _stop_when_orphaned(stop: asyncio.Event, parent: int) -> None:
    """Set `stop` once the parent process `parent` has gone: an orphan is adopted by another
    process, so its parent's id changes. A parent killed outright sends no signal to its
    children; this catches that too."""
    while os.getppid() == parent:
        await asyncio.sleep(1)
    stop.set()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tamizdat.stripe_peer", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8420, help="0 picks a free port")
    parser.add_argument("--webhook-max-attempts", type=int, default=4)
    parser.add_argument(
        "--webhook-retry-base", type=float, default=0.2, help="seconds; doubles per retry"
    )
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    parser.add_argument(
        "--exit-with-parent", action="store_true", help="stop when the parent process is gone"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    # Read at once: a parent that died while the server was still starting counts as gone.
    asyncio.run(serve(args, parent=os.getppid()))


if __name__ == "__main__":
    main()
