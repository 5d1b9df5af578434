"""Which local addresses a port listens on, read from the kernel's socket tables (Linux), for tests of bind
addresses: a server that should answer on loopback only must not show 0.0.0.0 or ::."""

from __future__ import annotations

import socket
from pathlib import Path

LISTEN = "0A"


def listening_addresses(port: int) -> set[str]:
    """Local addresses of the TCP sockets listening on `port`."""
    found = set()
    for table, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, _, hex_port = fields[1].partition(":")
            if fields[3] == LISTEN and int(hex_port, 16) == port:
                raw = bytes.fromhex(address)  # 32-bit words in host (little-endian) order
                found.add(socket.inet_ntop(family, b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))))
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
