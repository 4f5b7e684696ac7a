"""A client of `rolecall serve`: takes the variables serve printed (as JSON on stdin, one
object, or with --from-env the AWS_ variables it was started with), runs boto3 with only those and prints a JSON report: how boto3 found credentials,
their key id, and (with --whoami) the caller's ARN from STS."""
import json
import os
import sys

if "--from-env" in sys.argv:
    given = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
else:
    given = json.loads(sys.stdin.readline())
for name in list(os.environ):
    if name.startswith("AWS_") and name not in ("AWS_ENDPOINT_URL",):
        del os.environ[name]
os.environ.update(given)
empty = os.path.join(os.environ.get("TMPDIR", "/tmp"), "serve-client-empty")
open(empty, "w").close()
os.environ["AWS_CONFIG_FILE"] = empty
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = empty
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
import boto3  # noqa: E402
import botocore.utils  # noqa: E402

report = {}
try:
    session = boto3.Session(region_name="us-east-1")
    creds = session.get_credentials()
    report["method"] = creds.method
    report["key"] = creds.get_frozen_credentials().access_key
    if "--whoami" in sys.argv:
        report["arn"] = session.client("sts").get_caller_identity()["Arn"]
except Exception as e:  # the report says what boto3 said
    report["error"] = f"{type(e).__name__}: {e}"
# botocore's rule for a plain-http container endpoint, for the given URL.
try:
    botocore.utils.ContainerMetadataFetcher()._validate_allowed_url(given["AWS_CONTAINER_CREDENTIALS_FULL_URI"])
    report["host_allowed"] = True
except (ValueError, KeyError):
    report["host_allowed"] = False
print(json.dumps(report))
