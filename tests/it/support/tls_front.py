"""A TLS endpoint on 127.0.0.1 in front of a plain-HTTP server (moto): it terminates TLS with
the given certificate and relays the bytes both ways.

    tls_front.py PORT_FILE CERT KEY UPSTREAM_PORT
"""
import socket
import ssl
import sys
import threading

port_file, cert, key, upstream = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(32)


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(raw):
    try:
        tls = context.wrap_socket(raw, server_side=True)
    except (ssl.SSLError, OSError):
        raw.close()
        return
    back = socket.create_connection(("127.0.0.1", upstream))
    threading.Thread(target=pump, args=(back, tls), daemon=True).start()
    pump(tls, back)


with open(port_file + ".tmp", "w") as f:
    f.write(str(listener.getsockname()[1]))
import os

os.rename(port_file + ".tmp", port_file)
while True:
    conn, _ = listener.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
