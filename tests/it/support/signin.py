"""A stand-in for the AWS sign-in federation endpoint (/federation), on 127.0.0.1.

getSigninToken: checks the Session JSON (sessionId, sessionKey, sessionToken, all non-empty
strings, nothing else), records what it got (the session's key id and whether a secret came,
never the secret) and answers {"SigninToken": ...}. With REJECT_DURATION_OVER=N, a
SessionDuration above N is refused with 400, as for a chained role session. login: records the
SigninToken and Destination and answers 200.

Usage: signin.py PORT_FILE RECORD_FILE
"""
import json
import os
import secrets
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

port_file, record_file = sys.argv[1], sys.argv[2]
reject_over = int(os.environ.get("REJECT_DURATION_OVER", "0"))
issued = {}


def record(entry):
    with open(record_file, "a") as f:
        f.write(json.dumps(entry) + "\n")


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body, content_type="application/json"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlparse(self.path)
        if url.path != "/federation":
            return self.answer(404, "not found", "text/plain")
        query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        action = query.get("Action")
        if action == "getSigninToken":
            try:
                session = json.loads(query.get("Session", ""))
            except ValueError:
                return self.answer(400, "Session is not JSON", "text/plain")
            keys = {"sessionId", "sessionKey", "sessionToken"}
            if not isinstance(session, dict) or set(session) != keys or not all(
                isinstance(session[k], str) and session[k] for k in keys
            ):
                return self.answer(400, "Session needs sessionId, sessionKey, sessionToken", "text/plain")
            duration = query.get("SessionDuration")
            record({
                "action": "getSigninToken",
                "sessionId": session["sessionId"],
                "has_secret": bool(session["sessionKey"]),
                "SessionDuration": duration,
            })
            if duration is not None and reject_over and int(duration) > reject_over:
                return self.answer(400, "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.", "text/plain")
            token = "signin-" + secrets.token_hex(16)
            issued[token] = session["sessionId"]
            return self.answer(200, json.dumps({"SigninToken": token}))
        if action == "login":
            record({
                "action": "login",
                "SigninToken": query.get("SigninToken"),
                "Destination": query.get("Destination"),
                "Issuer": query.get("Issuer"),
                "known": query.get("SigninToken") in issued,
            })
            return self.answer(200, "signed in", "text/plain")
        return self.answer(400, "unknown Action", "text/plain")


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
