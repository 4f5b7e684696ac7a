"""The round trips of AssumeRole to the STS emulator, as a cold rolecall makes them: a new TCP
connection, one POST, the whole answer read: the first request after PREPARE (the command the
cold runs are prepared with, so the emulator has been idle as long as it is when a cold run
starts: an idle emulator answers more slowly), and a second request right after it (the
second role of a chain).

    bench-sts-rtt.py ENDPOINT ROLE_ARN RUNS KEY_ID PREPARE [N:COMMAND ...]

Without commands it prints the two medians in milliseconds. With them, each run also times,
each after PREPARE, a process that does nothing (`true`) and every COMMAND (a cold run that
makes N round trips), so that a command's time beyond the process start and its round trips
is taken within one run, where the machine's speed is the same for all of them; it prints
JSON: the medians, and for each command the median of those differences.

The request carries an Authorization header of the shape the SDK sends, with the bench user's
key id, so that the emulator does the same work as for rolecall's signed request (it does not
check signatures)."""
import http.client
import json
import shlex
import statistics
import subprocess
import sys
import time
import urllib.parse

endpoint, role_arn, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
key_id = sys.argv[4] if len(sys.argv) > 4 else "AKIAIOSFODNN7EXAMPLE"
prepare = sys.argv[5] if len(sys.argv) > 5 else None
commands = [(int(n), shlex.split(c)) for n, c in (a.split(":", 1) for a in sys.argv[6:])]
url = urllib.parse.urlsplit(endpoint)
body = urllib.parse.urlencode({
    "Action": "AssumeRole",
    "Version": "2011-06-15",
    "RoleArn": role_arn,
    "RoleSessionName": "bench-rtt",
})
headers = {
    "Content-Type": "application/x-www-form-urlencoded",
    "Authorization": f"AWS4-HMAC-SHA256 Credential={key_id}/20261207/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=0",
    "X-Amz-Date": "20261207T000000Z",
}


def round_trip():
    start = time.perf_counter()
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    conn.request("POST", "/", body=body, headers=headers)
    answer = conn.getresponse()
    answer.read()
    conn.close()
    if answer.status != 200:
        sys.exit(f"AssumeRole answered {answer.status}")
    return (time.perf_counter() - start) * 1000


def prepared():
    if prepare:
        subprocess.run([prepare], check=True)


def timed(argv):
    prepared()
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    return (time.perf_counter() - start) * 1000


first, second, floors = [], [], []
times = [[] for _ in commands]
beyond = [[] for _ in commands]
for i in range(runs + 3):
    floor = timed(["true"]) if commands else 0.0
    ran = [timed(argv) for _, argv in commands]
    prepared()
    one, two = round_trip(), round_trip()
    if i < 3:
        continue
    first.append(one)
    second.append(two)
    floors.append(floor)
    for k, ((n, _), t) in enumerate(zip(commands, ran)):
        times[k].append(t)
        beyond[k].append(t - floor - one - two * (n - 1))

median = statistics.median
if not commands:
    print(f"{median(first):.3f} {median(second):.3f}")
else:
    print(json.dumps({
        "rtt": median(first),
        "rtt_next": median(second),
        "floor": median(floors),
        "commands": [
            {"command": " ".join(argv), "round_trips": n, "median": median(times[k]), "beyond": median(beyond[k])}
            for k, (n, argv) in enumerate(commands)
        ],
    }))
