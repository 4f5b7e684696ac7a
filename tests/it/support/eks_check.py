"""Checks an `ExecCredential` from `rolecall eks token` (JSON on stdin) against the AWS CLI's
own token generator (awscli.customizations.eks.get_token) run with the same credentials, at the
same signing time (botocore's clock pinned to the token's X-Amz-Date), and sends the
presigned request to the STS stand-in (moto) as EKS sends it to STS. argv: ACCESS_KEY SECRET TOKEN CLUSTER
REGION. Prints a JSON report."""
import base64
import datetime
import json
import os
import sys
import urllib.parse
import urllib.request

access_key, secret, session_token, cluster, region = sys.argv[1:6]
cred = json.loads(sys.stdin.read())
token = cred["status"]["token"]
prefix = "k8s-aws-v1."
assert token.startswith(prefix), token
body = token[len(prefix):]
url = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
ours = urllib.parse.urlsplit(url)
ours_query = dict(urllib.parse.parse_qsl(ours.query))
signed_at = datetime.datetime.strptime(ours_query["X-Amz-Date"], "%Y%m%dT%H%M%SZ")

import botocore.auth  # noqa: E402
import botocore.session  # noqa: E402
from awscli.customizations.eks.get_token import STSClientFactory, TokenGenerator  # noqa: E402

pinned = lambda remove_tzinfo=True: signed_at if remove_tzinfo else signed_at.replace(tzinfo=datetime.timezone.utc)  # noqa: E731
botocore.auth.get_current_datetime = pinned
try:  # with awscrt installed, botocore signs through the CRT
    import botocore.crt.auth

    botocore.crt.auth.get_current_datetime = pinned
except ImportError:
    pass
session = botocore.session.get_session()
session.set_credentials(access_key, secret, session_token or None)
sts = STSClientFactory(session).get_sts_client(region_name=region)
theirs_token = TokenGenerator(sts).get_token(cluster)
theirs_body = theirs_token[len(prefix):]
theirs = urllib.parse.urlsplit(
    base64.urlsafe_b64decode(theirs_body + "=" * (-len(theirs_body) % 4)).decode()
)
theirs_query = dict(urllib.parse.parse_qsl(theirs.query))

report = {
    "padding": "=" in body,
    "kind": cred["kind"],
    "api_version": cred["apiVersion"],
    "expiration": cred["status"]["expirationTimestamp"],
    "signed_at": signed_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    "same_url_base": (ours.scheme, ours.netloc, ours.path) == (theirs.scheme, theirs.netloc, theirs.path),
    "ours": ours_query,
    "theirs": theirs_query,
}
# What EKS does with the token: a GET of the URL with the cluster's header. moto's server
# picks the service only from an Authorization header, so the query's credential scope and
# signature are repeated there for its router; STS then answers for the session's key.
q = ours_query
route = f"AWS4-HMAC-SHA256 Credential={q['X-Amz-Credential']}, SignedHeaders={q['X-Amz-SignedHeaders']}, Signature={q['X-Amz-Signature']}"
request = urllib.request.Request(url, headers={"x-k8s-aws-id": cluster, "Authorization": route})
with urllib.request.urlopen(request, timeout=10) as response:
    text = response.read().decode()
report["sts_status"] = response.status
report["sts_arn"] = text.split("<Arn>")[1].split("</Arn>")[0] if "<Arn>" in text else text
print(json.dumps(report))
