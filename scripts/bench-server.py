"""The credential endpoint of `rolecall exec --server` under load: CLIENTS keep-alive clients on
loopback ask for credentials for SECONDS seconds; prints requests per second and latencies as
JSON. Run as the command of `rolecall exec --server PROFILE -- python bench-server.py 50 5`."""
import http.client
import json
import os
import sys
import threading
import time
from urllib.parse import urlparse

clients, seconds = int(sys.argv[1]), float(sys.argv[2])
url = urlparse(os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"])
token = os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
latencies, failures = [], [0]
lock = threading.Lock()
start_line = threading.Barrier(clients + 1)


def client():
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    mine, bad = [], 0
    start_line.wait()
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t = time.perf_counter()
        conn.request("GET", url.path, headers={"Authorization": token})
        response = conn.getresponse()
        response.read()
        mine.append(time.perf_counter() - t)
        bad += response.status != 200
    with lock:
        latencies.extend(mine)
        failures[0] += bad


threads = [threading.Thread(target=client) for _ in range(clients)]
for t in threads:
    t.start()
start_line.wait()
began = time.perf_counter()
for t in threads:
    t.join()
elapsed = time.perf_counter() - began
latencies.sort()
pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
print(json.dumps({
    "clients": clients,
    "requests": len(latencies),
    "rps": len(latencies) / elapsed,
    "p50_ms": pick(0.50),
    "p99_ms": pick(0.99),
    "failures": failures[0],
}))
