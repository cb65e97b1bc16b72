"""A Redis stand-in served over TCP, for the embedded default when redis-server is missing.

Run as ``python -m apiserver.fake_redis --port P``. It is shared by every gunicorn worker
through TCP; its data lives in memory only.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Serve fakeredis on 127.0.0.1 until terminated."""
    from fakeredis import TcpFakeServer

    parser = argparse.ArgumentParser(prog="python -m apiserver.fake_redis")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    server = TcpFakeServer((args.host, args.port), server_type="redis")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
