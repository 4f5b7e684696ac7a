"""The round trips of AssumeRole to the STS emulator, as a cold rolecall makes them: a new TCP
connection, one POST, the whole answer read. Prints two medians in milliseconds: the first
request after PREPARE (the command the cold runs are prepared with, so the emulator has been
idle as long as it is when a cold run starts: an idle emulator answers more slowly), and a
second request right after it (the second role of a chain).

    bench-sts-rtt.py ENDPOINT ROLE_ARN RUNS [KEY_ID [PREPARE]]

The request carries an Authorization header of the shape the SDK sends, with the bench user's
key id, so that the emulator does the same work as for rolecall's signed request (it does not
check signatures)."""
import http.client
import statistics
import subprocess
import sys
import time
import urllib.parse

endpoint, role_arn, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
key_id = sys.argv[4] if len(sys.argv) > 4 else "AKIAIOSFODNN7EXAMPLE"
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
prepare = sys.argv[5] if len(sys.argv) > 5 else None


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


first, second = [], []
for i in range(runs + 3):
    if prepare:
        subprocess.run([prepare], check=True)
    one, two = round_trip(), round_trip()
    if i >= 3:
        first.append(one)
        second.append(two)
print(f"{statistics.median(first):.3f} {statistics.median(second):.3f}")
