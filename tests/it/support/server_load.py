"""The command of the refresh test: 10 threads call STS through boto3 (credentials from the
container endpoint) for SECONDS seconds; prints the access key ids seen and any error."""
import json
import os
import sys
import threading
import time

import boto3
import botocore.session

seconds = float(sys.argv[1])
seen, errors = set(), []
lock = threading.Lock()


def work():
    session = boto3.session.Session(botocore_session=botocore.session.get_session())
    client = session.client("sts")
    end = time.time() + seconds
    while time.time() < end:
        try:
            client.get_caller_identity()
            key = session.get_credentials().get_frozen_credentials().access_key
            with lock:
                seen.add(key)
        except Exception as e:  # noqa: BLE001 - the test reads what went wrong
            with lock:
                errors.append(repr(e))
        time.sleep(0.05)


threads = [threading.Thread(target=work) for _ in range(10)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps({"keys": sorted(seen), "errors": errors[:3], "uri": os.environ["AWS_CONTAINER_CREDENTIALS_FULL_URI"]}))
