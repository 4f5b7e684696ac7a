"""A credential endpoint of rolecall under load: CLIENTS keep-alive clients on loopback ask for
credentials for SECONDS seconds; prints requests per second and latencies as JSON.

  rolecall exec --server PROFILE -- python bench-server.py 50 5      # the command's variables
  python bench-server.py 50 5 VARS      # what `rolecall serve --format json` printed, one JSON
                                        # object per client (client i uses line i modulo their
                                        # number)

With AWS_EC2_METADATA_SERVICE_ENDPOINT (`--imds`), each client takes an IMDSv2 token once and
then asks for the role's credentials document, as an SDK on an instance does."""
import http.client
import json
import os
import sys
import threading
import time
from urllib.parse import urlparse

clients, seconds = int(sys.argv[1]), float(sys.argv[2])
if len(sys.argv) > 3:
    each = [json.loads(line) for line in open(sys.argv[3]) if line.strip()]
else:
    each = [dict(os.environ)]
latencies, failures = [], [0]
lock = threading.Lock()
start_line = threading.Barrier(clients + 1)


def container(conn, vars):
    url = urlparse(vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"])
    headers = {"Authorization": vars["AWS_CONTAINER_AUTHORIZATION_TOKEN"]}
    return url, lambda: ("GET", url.path, headers)


def imds(conn, vars):
    url = urlparse(vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"])
    c = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    c.request("PUT", "/latest/api/token", headers={"X-aws-ec2-metadata-token-ttl-seconds": "21600"})
    token = c.getresponse().read().decode()
    headers = {"X-aws-ec2-metadata-token": token}
    path = "/latest/meta-data/iam/security-credentials/"
    c.request("GET", path, headers=headers)
    role = c.getresponse().read().decode()
    c.close()
    return url, lambda: ("GET", path + role, headers)


def client(i):
    vars = each[i % len(each)]
    kind = imds if "AWS_EC2_METADATA_SERVICE_ENDPOINT" in vars else container
    url, request = kind(None, vars)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    mine, bad = [], 0
    start_line.wait()
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t = time.perf_counter()
        method, path, headers = request()
        conn.request(method, path, headers=headers)
        response = conn.getresponse()
        response.read()
        mine.append(time.perf_counter() - t)
        bad += response.status != 200
    with lock:
        latencies.extend(mine)
        failures[0] += bad


threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
for t in threads:
    t.start()
start_line.wait()
began = time.perf_counter()
for t in threads:
    t.join()
elapsed = time.perf_counter() - began
latencies.sort()
pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
print(json.dumps({
    "clients": clients,
    "requests": len(latencies),
    "rps": len(latencies) / elapsed,
    "p50_ms": pick(0.50),
    "p99_ms": pick(0.99),
    "failures": failures[0],
}))
