"""A stand-in browser: records its argv, follows the URL it was given (redirects included)
and records where it landed. Usage: browser.py RECORD_FILE URL"""
import json
import sys
import urllib.request

record_file, url = sys.argv[1], sys.argv[-1]
entry = {"argv": sys.argv[1:]}
try:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=10) as response:
        entry["landed"] = response.geturl()
        entry["status"] = response.status
    # A second visit gets nothing: the address was for one redirect.
    try:
        opener.open(url, timeout=10)
        entry["second"] = 200
    except urllib.error.HTTPError as e:
        entry["second"] = e.code
except Exception as e:  # noqa: BLE001 - the test reads what went wrong
    entry["error"] = repr(e)
with open(record_file, "w") as f:
    json.dump(entry, f)
