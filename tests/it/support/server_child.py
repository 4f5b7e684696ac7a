"""The command of `rolecall exec --server` in the tests: checks its environment and the
endpoint's rules, uses it through boto3, and prints a JSON report on stdout."""
import http.client
import json
import os
import sys
import time
from urllib.parse import urlparse

report = {
    "has_keys": any(os.environ.get(v) for v in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")),
    "has_profile": bool(os.environ.get("AWS_PROFILE")),
    "region": os.environ.get("AWS_REGION"),
}
uri = os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
token = os.environ["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
url = urlparse(uri)


def get(method="GET", path=None, headers=None):
    c = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
    c.request(method, path or url.path, headers=headers or {})
    r = c.getresponse()
    body = r.read()
    return r.status, body


report["no_token"] = get()[0]
report["wrong_token"] = get(headers={"Authorization": "x" * len(token)})[0]
report["other_host"] = get(headers={"Authorization": token, "Host": "evil.example"})[0]
report["origin"] = get(headers={"Authorization": token, "Origin": "https://evil.example"})[0]
report["post"] = get("POST", headers={"Authorization": token})[0]
report["other_path"] = get(path="/x", headers={"Authorization": token})[0]
status, body = get(headers={"Authorization": token})
report["ok"] = status
first = json.loads(body)
report["keys"] = sorted(first)
report["first_key"] = first["AccessKeyId"]
import boto3  # noqa: E402

report["arn"] = boto3.client("sts").get_caller_identity()["Arn"]
wait = float(os.environ.get("WAIT_FOR_REFRESH", "0"))
if wait:
    time.sleep(wait)
    report["second_key"] = json.loads(get(headers={"Authorization": token})[1])["AccessKeyId"]
print(json.dumps(report))
sys.exit(int(os.environ.get("EXIT_WITH", "0")))
