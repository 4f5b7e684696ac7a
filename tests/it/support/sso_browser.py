"""A stand-in browser for the IAM Identity Center sign-in (BROWSER=): records its argv, then
visits the URL it was given, without proxies, and records what happened.

An /authorize URL is followed through its redirects, so the last one reaches the CLI's
loopback callback (http://127.0.0.1:PORT/oauth/callback?code=..&state=..); the record tells
where it landed, the status and the first 200 characters of the page. A /device URL (the
verification URI) is simply fetched, which approves the device code. Errors are recorded,
never raised. Usage: sso_browser.py RECORD_FILE URL"""
import json
import sys
import urllib.error
import urllib.request
from urllib.parse import urlparse

record_file, url = sys.argv[1], sys.argv[-1]
entry = {"argv": sys.argv[1:], "url": url}
try:
    path = urlparse(url).path.rstrip("/")
    entry["kind"] = "authorize" if path.endswith("/authorize") else "device" if path.endswith("/device") else "other"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=10) as response:
            entry["landed"] = response.geturl()
            entry["status"] = response.status
            entry["body"] = response.read().decode("utf-8", "replace")[:200]
    except urllib.error.HTTPError as e:
        entry["landed"] = e.geturl()
        entry["status"] = e.code
        entry["body"] = e.read().decode("utf-8", "replace")[:200]
except Exception as e:  # noqa: BLE001 - the test reads what went wrong
    entry["error"] = repr(e)
with open(record_file, "w") as f:
    json.dump(entry, f)
