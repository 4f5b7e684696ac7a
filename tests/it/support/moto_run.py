"""Runs moto's server on 127.0.0.1:PORT until standard input closes.

The test process holds the other end of stdin, so the server ends with the tests even when
they are killed. Usage: moto_run.py PORT
"""
import sys

from moto.server import ThreadedMotoServer


def main() -> None:
    port = int(sys.argv[1])
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    print("ready", flush=True)
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main()
