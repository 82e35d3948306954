"""``python -m keystone_client.testing serve [--port 8000] [--seed demo]``."""

from __future__ import annotations

import argparse
import sys

from ._fake import SEEDS, FakeKeystone
from ._http import make_server


def main(argv: list[str] | None = None) -> int:
    """Serve a fake Keystone over HTTP on 127.0.0.1 until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m keystone_client.testing",
        description="Serve an in-memory fake Keystone API over HTTP on 127.0.0.1.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the fake over HTTP")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks one)")
    serve.add_argument("--seed", choices=SEEDS, default=None, help="load a data set")
    serve.add_argument("--page-cap", type=int, default=1000, help="most records per page")
    serve.add_argument("--throttle", type=int, default=None, help="requests per user per minute")
    args = parser.parse_args(argv)
    fake = FakeKeystone(
        f"http://127.0.0.1:{args.port}",
        seed=args.seed,
        page_cap=args.page_cap,
        throttle=args.throttle,
    )
    try:
        server = make_server(fake, "127.0.0.1", args.port)
    except OSError as exc:
        print(f"cannot listen on 127.0.0.1:{args.port}: {exc.strerror}", file=sys.stderr)
        return 1
    port = server.server_address[1]
    print(
        f"Fake Keystone at http://127.0.0.1:{port}/ "
        f"(log in as {fake.username} / {fake.password}, or with token {fake.token})"
    )
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
