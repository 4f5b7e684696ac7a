"""The command of `rolecall exec --imds` in the tests: checks the endpoint's IMDSv2 rules with
raw requests, then gets credentials and the region the way boto3 does on an instance (only the
instance-metadata provider: no container variables, empty shared files), and prints a JSON
report on stdout."""
import http.client
import json
import os
import sys
from urllib.parse import urlparse

base = os.environ["AWS_EC2_METADATA_SERVICE_ENDPOINT"]
url = urlparse(base)
report = {
    "container": [v for v in os.environ if v.startswith("AWS_CONTAINER_")],
    "disabled": os.environ.get("AWS_EC2_METADATA_DISABLED"),
    "has_keys": bool(os.environ.get("AWS_ACCESS_KEY_ID")),
}


def call(method, path, headers=None):
    c = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
    c.request(method, path, headers=headers or {})
    r = c.getresponse()
    return r.status, r.read().decode(), dict(r.getheaders())


TTL = "X-aws-ec2-metadata-token-ttl-seconds"
status, token, headers = call("PUT", "/latest/api/token", {TTL: "60"})
report["put"] = status
report["put_ttl"] = headers.get(TTL) or headers.get(TTL.lower())
report["put_no_ttl"] = call("PUT", "/latest/api/token")[0]
report["put_big_ttl"] = call("PUT", "/latest/api/token", {TTL: "21601"})[0]
report["put_forwarded"] = call("PUT", "/latest/api/token", {TTL: "60", "X-Forwarded-For": "10.0.0.1"})[0]
report["get_token_path"] = call("GET", "/latest/api/token", {TTL: "60"})[0]
creds_path = "/latest/meta-data/iam/security-credentials/"
report["no_token"] = call("GET", creds_path)[0]
report["wrong_token"] = call("GET", creds_path, {"X-aws-ec2-metadata-token": "x" * 64})[0]
auth = {"X-aws-ec2-metadata-token": token}
report["other_host"] = call("GET", creds_path, {**auth, "Host": "evil.example"})[0]
report["forwarded"] = call("GET", creds_path, {**auth, "X-Forwarded-For": "10.0.0.1"})[0]
status, role, _ = call("GET", creds_path, auth)
report["role"] = role
status, body, _ = call("GET", creds_path + role, auth)
report["document"] = sorted(json.loads(body))
report["type"] = json.loads(body)["Type"]
report["code"] = json.loads(body)["Code"]
report["other_role"] = call("GET", creds_path + "other", auth)[0]
report["region_path"] = call("GET", "/latest/meta-data/placement/region", auth)[1]
report["identity"] = json.loads(call("GET", "/latest/dynamic/instance-identity/document", auth)[1])

# As on an instance: only the instance-metadata provider can answer.
empty = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"imds-empty-{os.getpid()}")
open(empty, "w").close()
os.environ["AWS_CONFIG_FILE"] = empty
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = empty
import boto3  # noqa: E402
import botocore.session  # noqa: E402
import botocore.utils  # noqa: E402

# botocore reads the instance's region (for its "auto" defaults mode) from the zone's name.
report["botocore_imds_region"] = botocore.utils.IMDSRegionProvider(botocore.session.get_session()).provide()
session = boto3.Session()
creds = session.get_credentials()
report["method"] = creds.method
report["arn"] = session.client("sts").get_caller_identity()["Arn"]
os.remove(empty)
print(json.dumps(report))
