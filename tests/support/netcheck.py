"""Reading ``strace -f -e trace=network`` logs: which addresses a process contacted.

Used by the privacy tests (the app under strace in tests/browser, the CLI in
tests/test_cli_analyze.py). Loopback is 127.0.0.0/8 and ::1 (also as
::ffff:127.x); Unix and netlink sockets carry no inet address and pass.
"""

from __future__ import annotations

import ipaddress
import re

__all__ = ["foreign_contacts", "is_loopback", "own_addresses", "socket_addresses"]

_CALL = re.compile(r"^(?:\[pid\s+)?(\d+)\]?\s+(connect|sendto|sendmsg|sendmmsg|bind)\((.*)$")
_INET4 = re.compile(r'sin_port=htons\((\d+)\), sin_addr=inet_addr\("([^"]+)"\)')
_INET6 = re.compile(r'sin6_port=htons\((\d+)\).*?inet_pton\(AF_INET6, "([^"]+)"')


def own_addresses() -> set[str]:
    """The addresses of this machine's network interfaces (ifaddr, which aioice uses too)."""
    import ifaddr

    found = set()
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            found.add(ip.ip if isinstance(ip.ip, str) else ip.ip[0])
    return found


def is_loopback(address: str) -> bool:
    """127.0.0.0/8, ::1, or an IPv4-mapped loopback address."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def socket_addresses(strace_log: str) -> list[tuple[str, str, int]]:
    """(call, address, port) of every IPv4/IPv6 address in the traced calls (loopback included)."""
    found = []
    for line in strace_log.splitlines():
        match = _CALL.match(line.strip())
        if match is None:
            continue
        call, rest = match.group(2), match.group(3)
        for pattern in (_INET4, _INET6):
            found += [(call, addr, int(port)) for port, addr in pattern.findall(rest)]
    return found


def foreign_contacts(strace_log: str, own: frozenset[str] = frozenset()) -> list[str]:
    """The traced ``connect``/``send*`` calls to an address neither loopback nor in ``own``."""
    bad = []
    for line in strace_log.splitlines():
        match = _CALL.match(line.strip())
        if match is None or match.group(2) == "bind":
            continue
        rest = match.group(3)
        addresses = [a for p in (_INET4, _INET6) for _, a in p.findall(rest)]
        if any(not is_loopback(a) and a not in own for a in addresses):
            bad.append(line.strip())
        elif not addresses and "sa_family=AF_INET" in rest:
            bad.append(line.strip())  # an inet address this parser cannot read: flag it
    return bad
