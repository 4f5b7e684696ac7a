"""A stand-in for AWS Sign-In's token endpoints on 127.0.0.1 (botocore's signin model,
2023-01-01, rest-json): CreateOAuth2Token (POST /v1/token, the refresh_token and
authorization_code grants, each with an RFC 9449 DPoP proof that is verified), the browser's
authorize page (GET /v1/authorize, which redirects to the redirect_uri with a code and the
state; a code works once, for its client, redirect_uri and PKCE verifier) and the remote
flow's page that shows the code to paste (GET /v1/sessions/confirmation), plus two helpers that stand for the AWS CLI and for boto3.

Usage:
  login.py serve PORT_FILE RECORD_FILE STATE_JSON
  login.py seed CACHE_DIR SESSION STATE_JSON EXPIRES_IN [EXTRA_JSON]
      writes the token file `aws login` writes (a new P-256 key, SEC1 PEM; the access token
      expiring in EXPIRES_IN seconds, which may be negative) and registers its refresh token,
      bound to the key, in STATE_JSON; EXTRA_JSON: more top-level fields for the file
  login.py boto PROFILE
      prints botocore's LoginProvider credentials for PROFILE as JSON (it refreshes them
      through AWS_ENDPOINT_URL_SIGNIN when they are near expiry, as boto3 does)

serve: RECORD_FILE gets one JSON line per request: {"op", "status", "error" (the OAuth error
code or null), "grantType", "clientId", "token" (a short hash of the refresh token or code
used), "issued" (a short hash of the refresh token issued), "dpop" ("ok" or why not), "jkt"
(a short hash of the proof's key)}. Never a secret or a token.

STATE_JSON is re-read on every request:
  refreshTokens  {"<refresh token>": {"clientId", "jkt" (the RFC 7638 thumbprint of the key
                 it is bound to), "sub" (the session ARN)}}: tokens issued before the server
                 started (by `seed`)
  tokenTtl       expiresIn of the access tokens issued (900, the service's maximum)
  expired        every refresh answers AccessDeniedException TOKEN_EXPIRED (false)
  denied         every refresh answers AccessDeniedException INSUFFICIENT_PERMISSIONS (false)
  delay          seconds to wait before answering a refresh (0)
  sub            the session ARN of an authorization_code sign-in
                 ("arn:aws:iam::123456789012:user/tester")
  authorizeMode  "approve" | "deny" (error=access_denied) | "wrong_state"
A refresh token works once (it rotates); a used one answers TOKEN_EXPIRED, as does a token
bound to another key than the proof's.
"""
import base64
import hashlib
import json
import os
import secrets
import string
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

SAME_DEVICE = "arn:aws:signin:::devtools/same-device"
CROSS_DEVICE = "arn:aws:signin:::devtools/cross-device"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def short(text):
    return hashlib.sha256(text.encode()).hexdigest()[:8] if text else None


def thumbprint(jwk):
    canonical = json.dumps(
        {"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"], "y": jwk["y"]},
        separators=(",", ":"),
        sort_keys=True,
    )
    return b64url(hashlib.sha256(canonical.encode()).digest())


def check_dpop(proof, url, seen_jti):
    """The proof's JWK thumbprint, or raises ValueError with why the proof is refused."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    if not proof:
        raise ValueError("no DPoP header")
    parts = proof.split(".")
    if len(parts) != 3:
        raise ValueError("not a JWT")
    header = json.loads(unb64url(parts[0]))
    payload = json.loads(unb64url(parts[1]))
    if header.get("typ") != "dpop+jwt" or header.get("alg") != "ES256":
        raise ValueError("typ/alg")
    jwk = header.get("jwk") or {}
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        raise ValueError("jwk")
    x, y = unb64url(jwk["x"]), unb64url(jwk["y"])
    if len(x) != 32 or len(y) != 32:
        raise ValueError("jwk coordinates")
    key = ec.EllipticCurvePublicNumbers(
        int.from_bytes(x, "big"), int.from_bytes(y, "big"), ec.SECP256R1()
    ).public_key()
    sig = unb64url(parts[2])
    if len(sig) != 64:
        raise ValueError("signature length")
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    try:
        key.verify(der, f"{parts[0]}.{parts[1]}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise ValueError("signature")
    if payload.get("htm") != "POST":
        raise ValueError("htm")
    if payload.get("htu", "").split("?")[0] != url:
        raise ValueError(f"htu {payload.get('htu')} is not {url}")
    if abs(int(payload.get("iat", 0)) - time.time()) > 300:
        raise ValueError("iat")
    jti = payload.get("jti")
    if not jti or jti in seen_jti:
        raise ValueError("jti reused")
    seen_jti.add(jti)
    return thumbprint(jwk)


def serve(port_file, record_file, state_file):
    lock = threading.Lock()
    tokens = {}  # refresh token -> {"clientId", "jkt", "sub", "used"}
    codes = {}  # code -> {"clientId", "challenge", "redirectUri", "sub", "used"}
    seen_jti = set()

    def state():
        try:
            with open(state_file) as f:
                s = json.load(f)
        except (OSError, ValueError):
            s = {}
        for token, info in (s.get("refreshTokens") or {}).items():
            tokens.setdefault(token, dict(info, used=False))
        return s

    def record(entry):
        with open(record_file, "a") as f:
            f.write(json.dumps(entry) + "\n")

    def credentials():
        upper = string.ascii_uppercase + string.digits
        return {
            "accessKeyId": "ASIA" + "".join(secrets.choice(upper) for _ in range(16)),
            "secretAccessKey": secrets.token_urlsafe(30),
            "sessionToken": secrets.token_urlsafe(120),
        }

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def answer(self, status, body, error_type=None):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            if error_type:
                self.send_header("x-amzn-ErrorType", error_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def refuse(self, entry, error_type, code, message):
            entry.update(status=400, error=code)
            record(entry)
            return self.answer(400, {"error": code, "message": message}, error_type)

        def do_GET(self):
            url = urlparse(self.path)
            if url.path == "/v1/sessions/confirmation":
                # The remote flow's page: the code to paste, base64 of the redirect's query.
                page = base64.b64encode(url.query.encode()).decode().encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                return self.wfile.write(page)
            if url.path != "/v1/authorize":
                return self.answer(404, {"message": "not found"})
            s = state()
            q = {k: v[0] for k, v in parse_qs(url.query).items()}
            entry = {"op": "Authorize", "clientId": q.get("client_id")}
            redirect = q.get("redirect_uri", "")
            ok = (
                q.get("response_type") == "code"
                and q.get("client_id") in (SAME_DEVICE, CROSS_DEVICE)
                and q.get("code_challenge_method") == "SHA-256"
                and q.get("code_challenge")
                and q.get("state")
                and redirect
            )
            if not ok:
                entry.update(status=400, error="invalid_request")
                record(entry)
                return self.answer(400, {"error": "invalid_request"})
            mode = s.get("authorizeMode", "approve")
            if mode == "deny":
                params = {"error": "access_denied", "state": q["state"]}
            else:
                code = secrets.token_urlsafe(24)
                with lock:
                    codes[code] = {
                        "clientId": q["client_id"],
                        "challenge": q["code_challenge"],
                        "redirectUri": redirect,
                        "sub": s.get("sub", "arn:aws:iam::123456789012:user/tester"),
                        "used": False,
                    }
                st = "not-" + q["state"] if mode == "wrong_state" else q["state"]
                params = {"code": code, "state": st}
            entry.update(status=302, error=None, token=None)
            record(entry)
            self.send_response(302)
            self.send_header("Location", f"{redirect}?{urlencode(params)}")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self):
            url = urlparse(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if url.path != "/v1/token" or url.query:
                return self.answer(404, {"message": f"no operation at {self.path}"})
            s = state()
            entry = {"op": "CreateOAuth2Token", "dpop": None, "jkt": None}
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                return self.refuse(entry, "ValidationException", "INVALID_REQUEST", "body is not JSON")
            grant = body.get("grantType")
            entry.update(grantType=grant, clientId=body.get("clientId"))
            if body.get("clientId") not in (SAME_DEVICE, CROSS_DEVICE):
                return self.refuse(entry, "ValidationException", "invalid_client", "unknown clientId")
            host = self.headers.get("Host", "")
            try:
                with lock:
                    jkt = check_dpop(self.headers.get("DPoP"), f"http://{host}{url.path}", seen_jti)
                entry.update(dpop="ok", jkt=jkt[:8])
            except (ValueError, KeyError, TypeError) as e:
                entry["dpop"] = str(e)
                return self.refuse(entry, "ValidationException", "INVALID_REQUEST", f"invalid DPoP proof: {e}")
            if grant == "refresh_token":
                token = body.get("refreshToken") or ""
                entry["token"] = short(token)
                time.sleep(float(s.get("delay", 0)))
                if s.get("denied"):
                    return self.refuse(entry, "AccessDeniedException", "INSUFFICIENT_PERMISSIONS",
                                       "not authorized to perform signin:CreateOAuth2Token")
                with lock:
                    info = tokens.get(token)
                    valid = (
                        info is not None
                        and not info["used"]
                        and info["clientId"] == body["clientId"]
                        and info.get("jkt") in (None, jkt)
                        and not s.get("expired")
                    )
                    if valid:
                        info["used"] = True
                if not valid:
                    return self.refuse(entry, "AccessDeniedException", "TOKEN_EXPIRED",
                                       "Your session has expired. Please reauthenticate.")
                sub, id_token = info.get("sub"), None
            elif grant == "authorization_code":
                code = body.get("code") or ""
                entry["token"] = short(code)
                verifier = body.get("codeVerifier") or ""
                with lock:
                    info = codes.get(code)
                    valid = (
                        info is not None
                        and not info["used"]
                        and info["clientId"] == body["clientId"]
                        and info["redirectUri"] == body.get("redirectUri")
                        and b64url(hashlib.sha256(verifier.encode()).digest()) == info["challenge"]
                    )
                    if valid:
                        info["used"] = True
                if not valid:
                    return self.refuse(entry, "AccessDeniedException", "AUTHCODE_EXPIRED",
                                       "the authorization code is not valid")
                sub = info["sub"]
                claims = {"sub": sub, "iss": "signin-stand-in", "iat": int(time.time())}
                id_token = ".".join([b64url(b'{"alg":"none"}'), b64url(json.dumps(claims).encode()), ""])
            else:
                return self.refuse(entry, "ValidationException", "unsupported_grant_type", f"grantType {grant}")
            new = secrets.token_urlsafe(32)
            with lock:
                tokens[new] = {"clientId": body["clientId"], "jkt": jkt, "sub": sub, "used": False}
            answer = {
                "accessToken": credentials(),
                "tokenType": "aws_sigv4",
                "expiresIn": int(s.get("tokenTtl", 900)),
                "refreshToken": new,
            }
            if id_token:
                answer["idToken"] = id_token
            entry.update(status=200, error=None, issued=short(new))
            record(entry)
            self.answer(200, answer)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(port_file + ".tmp", port_file)
    server.serve_forever()


def seed(cache_dir, session, state_file, expires_in, extra):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    numbers = key.public_key().public_numbers()
    jwk = {"kty": "EC", "crv": "P-256", "x": b64url(numbers.x.to_bytes(32, "big")),
           "y": b64url(numbers.y.to_bytes(32, "big"))}
    refresh = secrets.token_urlsafe(32)
    expires = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + expires_in))
    token = {
        "accessToken": {
            "accessKeyId": "ASIASEED" + secrets.token_hex(6).upper(),
            "secretAccessKey": secrets.token_urlsafe(30),
            "sessionToken": secrets.token_urlsafe(120),
            "accountId": session.split(":")[4],
            "expiresAt": expires,
        },
        "tokenType": "aws_sigv4",
        "clientId": SAME_DEVICE,
        "refreshToken": refresh,
        "idToken": "e30.e30.",
        "dpopKey": pem,
    }
    token.update(extra)
    os.makedirs(cache_dir, mode=0o700, exist_ok=True)
    path = os.path.join(cache_dir, hashlib.sha256(session.encode()).hexdigest() + ".json")
    with open(path, "w") as f:
        json.dump(token, f)
    os.chmod(path, 0o600)
    try:
        with open(state_file) as f:
            s = json.load(f)
    except (OSError, ValueError):
        s = {}
    s.setdefault("refreshTokens", {})[refresh] = {"clientId": SAME_DEVICE, "jkt": thumbprint(jwk), "sub": session}
    with open(state_file, "w") as f:
        json.dump(s, f)
    print(path)


def boto(profile):
    import boto3

    creds = boto3.Session(profile_name=profile).get_credentials()
    if creds is None or creds.method != "login":
        sys.exit(f"boto3 found no login credentials for {profile} ({creds and creds.method})")
    frozen = creds.get_frozen_credentials()
    print(json.dumps({"AccessKeyId": frozen.access_key, "SecretAccessKey": frozen.secret_key,
                      "SessionToken": frozen.token}))


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "serve":
        serve(*sys.argv[2:5])
    elif mode == "seed":
        extra = json.loads(sys.argv[6]) if len(sys.argv) > 6 else {}
        seed(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), extra)
    elif mode == "boto":
        boto(sys.argv[2])
    else:
        sys.exit(f"unknown mode {mode}")
