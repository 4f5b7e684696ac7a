"""The round trip of one AssumeRole to the STS emulator, as a cold rolecall makes it: a new
TCP connection, one POST, the whole answer read. Prints the median in milliseconds.

    bench-sts-rtt.py ENDPOINT ROLE_ARN RUNS

The request carries an Authorization header of the shape the SDK sends, with the bench user's
key id, so that the emulator does the same work as for rolecall's signed request (it does not
check signatures)."""
import http.client
import statistics
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
times = []
for i in range(runs + 3):
    start = time.perf_counter()
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    conn.request("POST", "/", body=body, headers=headers)
    answer = conn.getresponse()
    answer.read()
    conn.close()
    elapsed = time.perf_counter() - start
    if answer.status != 200:
        sys.exit(f"AssumeRole answered {answer.status}")
    if i >= 3:
        times.append(elapsed * 1000)
print(f"{statistics.median(times):.3f}")
