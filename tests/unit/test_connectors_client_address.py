import pytest

from connectors.client_address import client_address, parse_networks

PROXIES = parse_networks("10.0.0.5, 10.1.0.0/16, fd00::/8")


def test_trusted_proxies_are_addresses_and_cidr_blocks() -> None:
    assert [str(network) for network in PROXIES] == ["10.0.0.5/32", "10.1.0.0/16", "fd00::/8"]
    assert parse_networks("") == () == parse_networks(" , ")
    with pytest.raises(ValueError, match=r"'proxy\.example'"):
        parse_networks("10.0.0.5, proxy.example")


def test_without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says() -> None:
    assert client_address("203.0.113.9", ["198.51.100.1"], ()) == "203.0.113.9"
    assert client_address("203.0.113.9", ["198.51.100.1"], PROXIES) == "203.0.113.9"  # the peer is no proxy


def test_behind_trusted_proxies_the_nearest_untrusted_hop_is_the_client() -> None:
    # The client wrote 1.1.1.1 itself; the proxies appended 203.0.113.9 (the client) and 10.1.2.3 (a proxy).
    assert client_address("10.0.0.5", ["1.1.1.1, 203.0.113.9", "10.1.2.3"], PROXIES) == "203.0.113.9"
    assert client_address("10.0.0.5", ["203.0.113.9:51000"], PROXIES) == "203.0.113.9"  # a port is dropped
    assert client_address("10.0.0.5", ["[2001:db8::7]:443"], PROXIES) == "2001:db8::7"
    assert client_address("::ffff:10.0.0.5", ["203.0.113.9"], PROXIES) == "203.0.113.9"  # IPv4-mapped peer


def test_a_trusted_proxy_without_a_usable_header_is_the_client() -> None:
    assert client_address("10.0.0.5", [], PROXIES) == "10.0.0.5"
    assert client_address("10.0.0.5", ["203.0.113.9, unknown"], PROXIES) == "10.0.0.5"  # garbage at a proxy's place
    assert client_address("10.0.0.5", ["10.1.0.1"], PROXIES) == "10.1.0.1"  # only proxies: the farthest one


def test_a_peer_that_is_no_address_keeps_its_name() -> None:
    assert client_address(None, ["203.0.113.9"], PROXIES) == "unknown"
    assert client_address("unix-socket", [], PROXIES) == "unix-socket"
