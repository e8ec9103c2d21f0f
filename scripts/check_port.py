#!/usr/bin/env python3
"""`make run`'s check before it builds: is the address mockdesk would listen on free?

The address is the first argument if given, else MOCKDESK_LISTEN, else 127.0.0.1:4010, in the
forms `--listen` takes (HOST:PORT, localhost:PORT, :PORT, PORT). Exits 1 with what to do when
the port is taken, so a newcomer does not wait for a cold build to learn it."""
import os
import socket
import sys


def parse(listen):
    host, _, port = listen.rpartition(":")
    host = host.strip("[]")
    if host in ("", "localhost"):
        host = "127.0.0.1"
    elif host == "*":
        host = "0.0.0.0"
    return host, int(port)


def main():
    listen = (sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] else None) or os.environ.get("MOCKDESK_LISTEN") or "127.0.0.1:4010"
    try:
        host, port = parse(listen)
    except ValueError:
        print(f"make run: `{listen}` is not a listen address (e.g. 127.0.0.1:4010, :4010, 4010)", file=sys.stderr)
        return 2
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as s:
        try:
            s.bind((host, port))
        except OSError as e:
            print(f"make run: cannot listen on {host}:{port}: {e.strerror}. Choose another address: "
                  f"make run LISTEN=:4020 (or MOCKDESK_LISTEN=:4020 make run)", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
