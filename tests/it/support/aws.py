"""Small AWS client for the tests, talking to the moto server at $AWS_ENDPOINT_URL only.

  aws.py user NAME          create an IAM user with an access key; prints {"id":…, "secret":…}
  aws.py keys NAME          the ids of an IAM user's access keys, as a JSON list
  aws.py addkey NAME        another access key for the user; prints {"id":…, "secret":…}
  aws.py role NAME          create a role (trusting anyone); prints its ARN
  aws.py whoami             GetCallerIdentity with the AWS_* credentials in the environment
  aws.py count ACTION [SUB] count recorded requests for ACTION whose body contains SUB
  aws.py dump SUB           recorded requests whose body contains SUB, as JSON lines
"""
import base64
import json
import os
import sys
import urllib.parse

import boto3

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
        ],
    }
)


def admin(service: str):
    return boto3.client(
        service,
        endpoint_url=os.environ["AWS_ENDPOINT_URL"],
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def recorded():
    """(entry, decoded form body) for every recorded request."""
    path = os.environ["MOTO_RECORDER_FILEPATH"]
    if not os.path.exists(path):
        return
    with open(path) as f:
        for line in f:
            entry = json.loads(line)
            body = entry.get("body") or ""
            if entry.get("body_encoded"):
                body = base64.b64decode(body).decode("utf-8", "replace")
            yield entry, urllib.parse.unquote_plus(body)


def main() -> None:
    cmd = sys.argv[1]
    if cmd == "user":
        iam = admin("iam")
        iam.create_user(UserName=sys.argv[2])
        key = iam.create_access_key(UserName=sys.argv[2])["AccessKey"]
        print(json.dumps({"id": key["AccessKeyId"], "secret": key["SecretAccessKey"]}))
    elif cmd == "keys":
        iam = admin("iam")
        meta = iam.list_access_keys(UserName=sys.argv[2])["AccessKeyMetadata"]
        print(json.dumps(sorted(k["AccessKeyId"] for k in meta)))
    elif cmd == "addkey":
        key = admin("iam").create_access_key(UserName=sys.argv[2])["AccessKey"]
        print(json.dumps({"id": key["AccessKeyId"], "secret": key["SecretAccessKey"]}))
    elif cmd == "role":
        iam = admin("iam")
        role = iam.create_role(RoleName=sys.argv[2], AssumeRolePolicyDocument=TRUST)
        print(role["Role"]["Arn"])
    elif cmd == "whoami":
        sts = boto3.client(
            "sts", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="us-east-1"
        )
        print(sts.get_caller_identity()["Arn"])
    elif cmd == "count":
        action, sub = sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else ""
        print(sum(1 for _, body in recorded() if f"Action={action}&" in body + "&" and sub in body))
    elif cmd == "dump":
        for entry, body in recorded():
            if sys.argv[2] in body:
                auth = entry.get("headers", {}).get("Authorization", "")
                print(json.dumps({"body": body, "authorization": auth}))
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
