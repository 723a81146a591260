"""The strace reader of the privacy tests flags what it should (and passes what it should)."""

from __future__ import annotations

from support.netcheck import foreign_contacts, socket_addresses


def test_the_strace_reader_flags_what_it_should() -> None:
    log = "\n".join([
        '101 connect(5, {sa_family=AF_INET, sin_port=htons(53), '
        'sin_addr=inet_addr("10.255.255.53")}, 16) = 0',
        '[pid   102] connect(6, {sa_family=AF_INET, sin_port=htons(1), '
        'sin_addr=inet_addr("8.8.8.8")}, 16) = 0',
        '103 sendto(7, "x", 1, 0, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo='
        'htonl(0), inet_pton(AF_INET6, "2a00:1450::1", &sin6_addr), sin6_scope_id=0}, 28) = 1',
        '104 connect(8, {sa_family=AF_INET, sin_port=htons(8501), '
        'sin_addr=inet_addr("127.0.0.1")}, 16) = 0',
        '105 connect(9, {sa_family=AF_INET6, sin6_port=htons(8501), sin6_flowinfo=htonl(0), '
        'inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = 0',
        '106 connect(3, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1',
        '107 sendto(4, "x", 1, 0, NULL, 0) = 1',
        '108 bind(5, {sa_family=AF_INET, sin_port=htons(8501), '
        'sin_addr=inet_addr("0.0.0.0")}, 16) = 0',
    ])  # fmt: skip
    flagged = foreign_contacts(log)
    assert [line.split()[0] for line in flagged] == ["101", "[pid", "103"]
    assert len(foreign_contacts(log, frozenset({"2a00:1450::1"}))) == 2
    assert ("bind", "0.0.0.0", 8501) in socket_addresses(log)
