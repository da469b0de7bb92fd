"""Print shell exports that point the test suite at PostgreSQL and Redis when they answer.

Used by `make test`: an explicit DATABASE_URL / REDIS_URL wins; otherwise local services on
127.0.0.1 are used if they accept connections, else the suite falls back to SQLite and skips
(and names) the service-backed tests.
"""

import os
import socket
import sys


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def main() -> None:
    exports = {}
    notes = []
    if not os.environ.get("DATABASE_URL"):
        if port_open("127.0.0.1", 5432):
            exports["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/crm"
        else:
            notes.append("PostgreSQL not answering on 127.0.0.1:5432: using SQLite")
    if not os.environ.get("REDIS_URL"):
        if port_open("127.0.0.1", 6379):
            exports["REDIS_URL"] = "redis://127.0.0.1:6379/15"
        else:
            notes.append("Redis not answering on 127.0.0.1:6379: Redis tests will be skipped")
    for key, value in exports.items():
        print(f"export {key}={value}")
    for note in notes:
        print(f"echo '{note}' >&2")
    sys.exit(0)


if __name__ == "__main__":
    main()
