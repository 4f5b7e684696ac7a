"""A stand-in for IAM Identity Center (AWS SSO) on 127.0.0.1: the SSO OIDC API and the SSO
portal API on one port, in their rest-json wire format (botocore's sso-oidc and sso models,
2019-06-10), so that AWS_ENDPOINT_URL_SSO_OIDC and AWS_ENDPOINT_URL_SSO can both point at
http://127.0.0.1:PORT.

Usage: sso.py PORT_FILE RECORD_FILE STATE_JSON [MOTO_URL]

PORT_FILE gets the port once the server listens. RECORD_FILE gets one JSON line per request:
{"op", "status", "error" (the exception name or OAuth error, or null), "grantType",
"accountId", "roleName", "scopes"} (null where they do not apply) plus, where they apply,
"clientId", "grantTypes", "maxResults", "nextToken" (whether one came), "token" (a short
hash of the bearer or refresh token used), "issued" (a short hash of the access token
issued), "mode" (authorizeMode), "redirectUri", and "path"/"method" for unknown requests.
op is one of RegisterClient, StartDeviceAuthorization, CreateToken, Authorize,
DeviceVerify, GetRoleCredentials, ListAccounts, ListAccountRoles, Logout, Unknown.
Never a secret, a token or a client secret.

STATE_JSON is re-read on every request, so a test can turn the knobs mid-test:
  accounts            [{"accountId", "accountName", "emailAddress", "roles": [names]}]
  tokenTtl            accessToken lifetime in seconds (3600)
  clientSecretTtl     client registration lifetime in seconds (90 days)
  issueRefreshTokens  issue refresh tokens (true); as with the real service only to clients
                      registered with scopes or with the refresh_token grant type
  rotateRefreshTokens a refresh token works once; refreshing hands out a new one (true)
  devicePendingPolls  authorization_pending answers before an approved device code is granted (1)
  deviceSlowDown      answer slow_down once, first, for each device code (false)
  deviceInterval      the interval StartDeviceAuthorization tells (1)
  deviceExpiresIn     device code lifetime in seconds (600)
  deviceAutoApprove   grant device codes without a visit to /device (false)
  authorizeMode       "approve" | "deny" (error=access_denied) | "wrong_state" | "ignore"
                      (never redirect: a 200 page); also applies to /device (deny, ignore)
  throttleOnce        operation names answering 429 TooManyRequestsException once each (or a
                      {"Op": n} object: n times each)
  roleCredentialsTtl  role credentials lifetime in seconds (3600)
  defaultPageSize     page size of ListAccounts/ListAccountRoles without max_result (20)
  userName            the role session name of the credentials (with MOTO_URL) ("sso-user")
  clients             pre-registered clients [{"clientId", "clientSecret",
                      "clientSecretExpiresAt" (epoch seconds; 90 days on), "scopes"
                      (["sso:account:access"]), "grantTypes", "redirectUris"}]
  accessTokens        pre-issued access tokens: ["token", ...] or [{"accessToken",
                      "expiresAt" (epoch seconds or ISO 8601), "scopes" (optional)}]

Access tokens carry the scopes of their client's registration (or the seeded "scopes"); as
with the real service, the portal API refuses one whose scopes are recorded and lack
sso:account:access (an IDE extension's token, say) with 401 UnauthorizedException.
  refreshTokens       pre-issued refresh tokens [{"refreshToken", "clientId"}]

OIDC: POST /client/register, POST /device_authorization, POST /token (grant types
urn:ietf:params:oauth:grant-type:device_code, authorization_code with S256 PKCE,
refresh_token). Errors are {"error": "...", "error_description": "..."} bodies with the
exception name in X-Amzn-Errortype, as the real service answers. The browser side:
GET /authorize?response_type=code&client_id=&redirect_uri=&scopes=&state=&code_challenge=
&code_challenge_method=S256 and GET /device?user_code=.

Portal: GET /federation/credentials?role_name=&account_id=, GET /assignment/accounts,
GET /assignment/roles?account_id=, POST /logout, all with the x-amz-sso_bearer_token header.
Errors are {"message": "..."} bodies with X-Amzn-Errortype. Expiration is epoch milliseconds.
With MOTO_URL the role credentials come from moto's STS AssumeRole, so moto knows them.
"""
import base64
import hashlib
import html
import json
import os
import secrets
import string
import sys
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse, urlunparse

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
GRANTS = {DEVICE_GRANT, "authorization_code", "refresh_token"}
AUTH_CODE_TTL = 300

port_file, record_file, state_file = sys.argv[1], sys.argv[2], sys.argv[3]
moto_url = sys.argv[4] if len(sys.argv) > 4 else None

lock = threading.Lock()
record_lock = threading.Lock()
clients = {}  # clientId -> {secret, expiresAt, scopes, grantTypes, redirectUris}
devices = {}  # deviceCode -> {clientId, userCode, expiresAt, pending, slowed, approved, denied, used}
user_codes = {}  # userCode -> deviceCode
auth_codes = {}  # code -> {clientId, redirectUri, challenge, scopes, expiresAt, used}
access_tokens = {}  # token -> {clientId, session, expiresAt}
refresh_tokens = {}  # token -> {clientId, session, used}
dead_sessions = set()  # sessions ended by Logout
revoked = set()  # tokens (pre-issued ones included) ended by Logout or used once
throttled = {}  # op -> times throttled
last_state = {}
sts_client = None


class Failure(Exception):
    """An error answer: status, exception name, OAuth error code, description."""

    def __init__(self, status, name, code, description):
        super().__init__(description)
        self.status, self.name, self.code, self.description = status, name, code, description


def oidc_error(name, description):
    status, code = {
        "InvalidRequestException": (400, "invalid_request"),
        "InvalidClientException": (401, "invalid_client"),
        "InvalidGrantException": (400, "invalid_grant"),
        "UnauthorizedClientException": (400, "unauthorized_client"),
        "UnsupportedGrantTypeException": (400, "unsupported_grant_type"),
        "InvalidScopeException": (400, "invalid_scope"),
        "AuthorizationPendingException": (400, "authorization_pending"),
        "SlowDownException": (400, "slow_down"),
        "AccessDeniedException": (400, "access_denied"),
        "ExpiredTokenException": (400, "expired_token"),
        "InternalServerException": (500, "server_error"),
        "InvalidClientMetadataException": (400, "invalid_client_metadata"),
        "InvalidRedirectUriException": (400, "invalid_redirect_uri"),
        "TooManyRequestsException": (429, "too_many_requests"),
    }[name]
    return Failure(status, name, code, description)


def portal_error(name, description):
    status = {
        "InvalidRequestException": 400,
        "UnauthorizedException": 401,
        "ForbiddenException": 403,
        "ResourceNotFoundException": 404,
        "TooManyRequestsException": 429,
        "InternalServerException": 500,
    }[name]
    return Failure(status, name, None, description)


def short_hash(value):
    if not isinstance(value, str) or not value:
        return None
    return hashlib.sha256(value.encode()).hexdigest()[:12]


def record(entry):
    line = json.dumps(entry, sort_keys=True) + "\n"
    with record_lock:
        with open(record_file, "a") as f:
            f.write(line)


def load_state():
    """The test's STATE_JSON; while it is being rewritten, the last one that parsed."""
    global last_state
    for _ in range(5):
        try:
            with open(state_file) as f:
                state = json.load(f)
            if isinstance(state, dict):
                last_state = state
                return state
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    return last_state


def knob(state, name, default, kind=(int, float)):
    value = state.get(name, default)
    if isinstance(value, bool) and kind != bool:
        return default
    return value if isinstance(value, kind) else default


def epoch(value):
    """Epoch seconds from a number or an ISO 8601 string; None if neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    return None


def accounts_of(state):
    out = []
    for account in state.get("accounts") or []:
        if isinstance(account, dict) and isinstance(account.get("accountId"), str):
            out.append(account)
    return out


def roles_of(account):
    return [r for r in account.get("roles") or [] if isinstance(r, str)]


def find_client(state, client_id):
    """The registration of client_id, live or seeded by STATE_JSON; None if unknown."""
    if not isinstance(client_id, str):
        return None
    if client_id in clients:
        return clients[client_id]
    for c in state.get("clients") or []:
        if isinstance(c, dict) and c.get("clientId") == client_id:
            return {
                "id": client_id,
                "secret": c.get("clientSecret"),
                "expiresAt": epoch(c.get("clientSecretExpiresAt")) or time.time() + 90 * 86400,
                "scopes": c.get("scopes") or ["sso:account:access"],
                "grantTypes": c.get("grantTypes") or [],
                "redirectUris": c.get("redirectUris") or [],
            }
    return None


def check_client(state, body):
    client = find_client(state, body.get("clientId"))
    if client is None or not secrets.compare_digest(
        str(client["secret"]).encode(), str(body.get("clientSecret") or "").encode()
    ):
        raise oidc_error("InvalidClientException", "Invalid client")
    if client["expiresAt"] <= time.time():
        raise oidc_error("InvalidClientException", "Client registration has expired")
    return client


def allows(client, grant):
    if client["grantTypes"]:
        return grant in client["grantTypes"]
    return grant in (DEVICE_GRANT, "refresh_token")


def for_portal(session, scopes):
    """The session of a token the portal takes: none whose scopes lack account access."""
    if scopes and "sso:account:access" not in scopes:
        raise portal_error("UnauthorizedException", "Session token not found or invalid")
    return session


def live_token(state, token):
    """The session of a valid access token; raises UnauthorizedException otherwise."""
    if not isinstance(token, str) or not token:
        raise portal_error("UnauthorizedException", "Session token not found or invalid")
    if token not in revoked:
        info = access_tokens.get(token)
        if info is not None:
            if info["session"] not in dead_sessions and info["expiresAt"] > time.time():
                return for_portal(info["session"], info.get("scopes"))
        else:
            for seeded in state.get("accessTokens") or []:
                if isinstance(seeded, str) and seeded == token:
                    return "seeded"
                if isinstance(seeded, dict) and seeded.get("accessToken") == token:
                    expires = epoch(seeded.get("expiresAt"))
                    if expires is None or expires > time.time():
                        return for_portal("seeded", seeded.get("scopes"))
    raise portal_error("UnauthorizedException", "Session token not found or invalid")


def issue(state, client, session, entry):
    """A token answer for session: a new access token and, where due, a refresh token."""
    ttl = int(knob(state, "tokenTtl", 3600))
    token = "aoa" + secrets.token_urlsafe(32)
    access_tokens[token] = {"clientId": client["id"], "session": session, "expiresAt": time.time() + ttl,
                            "scopes": client.get("scopes")}
    entry["issued"] = short_hash(token)
    answer = {"accessToken": token, "tokenType": "Bearer", "expiresIn": ttl}
    if knob(state, "issueRefreshTokens", True, bool) and (
        client["scopes"] or "refresh_token" in client["grantTypes"]
    ):
        refresh = "aor" + secrets.token_urlsafe(32)
        refresh_tokens[refresh] = {"clientId": client["id"], "session": session}
        answer["refreshToken"] = refresh
    return answer


def loopback_match(registered, given):
    """RFC 8252 7.3: a loopback redirect URI matches whatever the port."""
    try:
        r, g = urlparse(registered), urlparse(given)
        if r.hostname in ("127.0.0.1", "localhost", "::1") and r.hostname == g.hostname:
            return (r.scheme, r.path) == (g.scheme, g.path)
    except ValueError:
        return False
    return registered == given


def with_query(url, params):
    parts = urlparse(url)
    query = parts.query + ("&" if parts.query else "") + urlencode(params)
    return urlunparse(parts._replace(query=query))


def role_credentials(state, account_id, role_name):
    ttl = int(knob(state, "roleCredentialsTtl", 3600))
    expiration = int((time.time() + ttl) * 1000)
    if not moto_url:
        return {
            "accessKeyId": "ASIA" + "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(16)),
            "secretAccessKey": secrets.token_urlsafe(30)[:40],
            "sessionToken": secrets.token_urlsafe(96),
            "expiration": expiration,
        }
    global sts_client
    with lock:
        if sts_client is None:
            import boto3  # only with MOTO_URL; the rest is stdlib

            sts_client = boto3.client(
                "sts",
                endpoint_url=moto_url,
                region_name="us-east-1",
                aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
                aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            )
        sts = sts_client
    session_name = str(state.get("userName") or "sso-user")
    creds = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account_id}:role/{role_name}",
        RoleSessionName=session_name,
        DurationSeconds=max(900, min(ttl, 43200)),
    )["Credentials"]
    return {
        "accessKeyId": creds["AccessKeyId"],
        "secretAccessKey": creds["SecretAccessKey"],
        "sessionToken": creds["SessionToken"],
        "expiration": expiration,
    }


def page(state, items, query, key):
    raw_max = query.get("max_result")
    if raw_max is None:
        size = int(knob(state, "defaultPageSize", 20))
    else:
        try:
            size = int(raw_max)
        except ValueError:
            raise portal_error("InvalidRequestException", "max_result must be an integer")
        if not 1 <= size <= 100:
            raise portal_error("InvalidRequestException", "max_result must be between 1 and 100")
    start = 0
    token = query.get("next_token")
    if token:
        try:
            prefix, _, offset = base64.urlsafe_b64decode(token.encode()).decode().partition(":")
            start = int(offset)
            if prefix != key or start < 0:
                raise ValueError
        except ValueError:
            raise portal_error("InvalidRequestException", "Invalid next_token")
    answer = {key: items[start:start + size]}
    if start + size < len(items):
        answer["nextToken"] = base64.urlsafe_b64encode(f"{key}:{start + size}".encode()).decode()
    return answer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, content_type="application/json", headers=()):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", secrets.token_hex(16))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_DELETE(self):
        self.handle_any("DELETE")

    def handle_any(self, method):
        try:
            raw = self.read_body()
        except (ValueError, OSError):
            self.close_connection = True
            raw = b""
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        routes = {
            ("POST", "/client/register"): ("RegisterClient", "oidc", self.register_client),
            ("POST", "/device_authorization"): ("StartDeviceAuthorization", "oidc", self.start_device),
            ("POST", "/token"): ("CreateToken", "oidc", self.create_token),
            ("GET", "/authorize"): ("Authorize", "page", self.authorize),
            ("GET", "/device"): ("DeviceVerify", "page", self.device_verify),
            ("GET", "/federation/credentials"): ("GetRoleCredentials", "portal", self.get_role_credentials),
            ("GET", "/assignment/accounts"): ("ListAccounts", "portal", self.list_accounts),
            ("GET", "/assignment/roles"): ("ListAccountRoles", "portal", self.list_account_roles),
            ("POST", "/logout"): ("Logout", "portal", self.logout),
        }
        path = url.path.rstrip("/") or "/"
        op, family, handler = routes.get((method, path), ("Unknown", "portal", None))
        entry = {"op": op, "status": None, "error": None, "grantType": None, "accountId": None,
                 "roleName": None, "scopes": None}
        state = load_state()
        try:
            if handler is None:
                entry["path"] = url.path
                entry["method"] = method
                raise Failure(404, "UnknownOperationException", None, "Not Found")
            self.check_throttle(state, op, family)
            body = {}
            if family == "oidc":
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    raise oidc_error("InvalidRequestException", "The request body is not JSON")
                if not isinstance(body, dict):
                    raise oidc_error("InvalidRequestException", "The request body is not a JSON object")
            status, out, content_type, headers = handler(state, body, query, entry)
        except Failure as f:
            entry["error"] = f.name
            status, content_type = f.status, "application/json"
            headers = [("X-Amzn-Errortype", f.name)]
            if family == "oidc":
                out = json.dumps({"error": f.code, "error_description": f.description})
            elif family == "page":
                content_type = "text/html"
                out = f"<html><body><h1>{f.status}</h1><p>{html.escape(f.description)}</p></body></html>"
            else:
                out = json.dumps({"message": f.description})
        except Exception as e:  # noqa: BLE001 - a stand-in never dies on a request
            entry["error"] = "InternalServerException"
            entry["detail"] = repr(e)[:300]
            status, content_type = 500, "application/json"
            headers = [("X-Amzn-Errortype", "InternalServerException")]
            out = json.dumps({"error": "server_error", "error_description": "internal error"}
                             if family == "oidc" else {"message": "internal error"})
        entry["status"] = status
        record(entry)
        try:
            self.answer(status, out, content_type, headers)
        except OSError:
            pass

    def check_throttle(self, state, op, family):
        plan = state.get("throttleOnce") or []
        if isinstance(plan, list):
            times = 1 if op in plan else 0
        elif isinstance(plan, dict):
            times = plan.get(op, 0) if isinstance(plan.get(op, 0), int) else 0
        else:
            times = 0
        with lock:
            if throttled.get(op, 0) >= times:
                return
            throttled[op] = throttled.get(op, 0) + 1
        make = oidc_error if family == "oidc" else portal_error
        raise make("TooManyRequestsException", "Rate exceeded")

    # ---- OIDC ----------------------------------------------------------------------------

    def register_client(self, state, body, query, entry):
        name, kind = body.get("clientName"), body.get("clientType")
        scopes = body.get("scopes") or []
        grants = body.get("grantTypes") or []
        redirects = body.get("redirectUris") or []
        entry.update(scopes=scopes, grantTypes=grants)
        if not isinstance(name, str) or not name or not isinstance(kind, str) or not kind:
            raise oidc_error("InvalidRequestException", "clientName and clientType are required")
        if kind != "public":
            raise oidc_error("InvalidClientMetadataException", "clientType must be public")
        for value, what in ((scopes, "scopes"), (grants, "grantTypes"), (redirects, "redirectUris")):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise oidc_error("InvalidRequestException", f"{what} must be a list of strings")
        if any(g not in GRANTS for g in grants):
            raise oidc_error("UnsupportedGrantTypeException", "Unsupported grant type")
        for uri in redirects:
            parts = urlparse(uri)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise oidc_error("InvalidRedirectUriException", "Invalid redirect URI")
        if "authorization_code" in grants and not redirects:
            raise oidc_error("InvalidRedirectUriException", "authorization_code needs redirectUris")
        issuer = body.get("issuerUrl")
        if issuer is not None and not isinstance(issuer, str):
            raise oidc_error("InvalidRequestException", "issuerUrl must be a string")
        now = int(time.time())
        ttl = int(knob(state, "clientSecretTtl", 90 * 86400))
        client_id = "cid-" + secrets.token_urlsafe(16)
        secret = "csec-" + secrets.token_urlsafe(48)
        with lock:
            clients[client_id] = {
                "id": client_id, "secret": secret, "expiresAt": now + ttl,
                "scopes": scopes, "grantTypes": grants, "redirectUris": redirects,
            }
        entry["clientId"] = client_id
        port = self.server.server_address[1]
        out = {
            "clientId": client_id,
            "clientSecret": secret,
            "clientIdIssuedAt": now,
            "clientSecretExpiresAt": now + ttl,
        }
        if "authorization_code" in grants:
            out["authorizationEndpoint"] = f"http://127.0.0.1:{port}/authorize"
            out["tokenEndpoint"] = f"http://127.0.0.1:{port}/token"
        return 200, json.dumps(out), "application/json", ()

    def start_device(self, state, body, query, entry):
        entry["clientId"] = body.get("clientId")
        if not isinstance(body.get("startUrl"), str) or not body.get("startUrl"):
            raise oidc_error("InvalidRequestException", "startUrl is required")
        client = check_client(state, body)
        if not allows(client, DEVICE_GRANT):
            raise oidc_error("UnauthorizedClientException", "The client may not use the device grant")
        interval = int(knob(state, "deviceInterval", 1))
        expires_in = int(knob(state, "deviceExpiresIn", 600))
        alphabet = "BCDFGHJKLMNPQRSTVWXZ"
        with lock:
            device_code = secrets.token_urlsafe(40)
            while True:
                user_code = "".join(secrets.choice(alphabet) for _ in range(8))
                user_code = user_code[:4] + "-" + user_code[4:]
                if user_code not in user_codes:
                    break
            devices[device_code] = {
                "clientId": client["id"], "userCode": user_code,
                "expiresAt": time.time() + expires_in, "pending": 0, "slowed": False,
                "approved": False, "denied": False, "used": False,
            }
            user_codes[user_code] = device_code
        port = self.server.server_address[1]
        out = {
            "deviceCode": device_code,
            "userCode": user_code,
            "verificationUri": f"http://127.0.0.1:{port}/device",
            "verificationUriComplete": f"http://127.0.0.1:{port}/device?user_code={user_code}",
            "expiresIn": expires_in,
            "interval": interval,
        }
        return 200, json.dumps(out), "application/json", ()

    def create_token(self, state, body, query, entry):
        grant = body.get("grantType")
        entry.update(grantType=grant, clientId=body.get("clientId"), scopes=body.get("scope"))
        if not isinstance(grant, str) or not grant:
            raise oidc_error("InvalidRequestException", "grantType is required")
        if grant not in GRANTS:
            raise oidc_error("UnsupportedGrantTypeException", "Unsupported grant type")
        with lock:
            client = check_client(state, body)
            if not allows(client, grant):
                raise oidc_error("UnauthorizedClientException", "The client may not use this grant")
            if grant == DEVICE_GRANT:
                out = self.device_grant(state, client, body, entry)
            elif grant == "authorization_code":
                out = self.code_grant(state, client, body, entry)
            else:
                out = self.refresh_grant(state, client, body, entry)
        return 200, json.dumps(out), "application/json", ()

    def device_grant(self, state, client, body, entry):
        code = body.get("deviceCode")
        device = devices.get(code) if isinstance(code, str) else None
        if device is None or device["clientId"] != client["id"] or device["used"]:
            raise oidc_error("InvalidGrantException", "Invalid device code provided")
        if device["expiresAt"] <= time.time():
            raise oidc_error("ExpiredTokenException", "Device code has expired")
        if device["denied"]:
            raise oidc_error("AccessDeniedException", "The user denied the authorization")
        if knob(state, "deviceSlowDown", False, bool) and not device["slowed"]:
            device["slowed"] = True
            raise oidc_error("SlowDownException", "Client is polling too quickly")
        approved = device["approved"] or knob(state, "deviceAutoApprove", False, bool)
        if not approved or device["pending"] < int(knob(state, "devicePendingPolls", 1)):
            device["pending"] += 1
            raise oidc_error("AuthorizationPendingException", "Authorization is still pending")
        device["used"] = True
        return issue(state, client, secrets.token_hex(8), entry)

    def code_grant(self, state, client, body, entry):
        code = body.get("code")
        grant = auth_codes.get(code) if isinstance(code, str) else None
        if grant is None or grant["clientId"] != client["id"] or grant["used"]:
            raise oidc_error("InvalidGrantException", "Invalid authorization code provided")
        grant["used"] = True  # one try, right or wrong, as OAuth wants
        if grant["expiresAt"] <= time.time():
            raise oidc_error("InvalidGrantException", "Authorization code has expired")
        if body.get("redirectUri") != grant["redirectUri"]:
            raise oidc_error("InvalidGrantException", "redirectUri does not match the authorization request")
        verifier = body.get("codeVerifier")
        if not isinstance(verifier, str) or not verifier:
            raise oidc_error("InvalidGrantException", "codeVerifier is required")
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if not secrets.compare_digest(digest.encode(), grant["challenge"].encode()):
            raise oidc_error("InvalidGrantException", "PKCE verification failed")
        entry["scopes"] = grant["scopes"]
        return issue(state, client, secrets.token_hex(8), entry)

    def refresh_grant(self, state, client, body, entry):
        token = body.get("refreshToken")
        entry["token"] = short_hash(token)
        if not isinstance(token, str) or not token or token in revoked:
            raise oidc_error("InvalidGrantException", "Invalid refresh token provided")
        info = refresh_tokens.get(token)
        if info is None:
            for seeded in state.get("refreshTokens") or []:
                if isinstance(seeded, dict) and seeded.get("refreshToken") == token:
                    info = {"clientId": seeded.get("clientId"), "session": "seeded-" + short_hash(token)}
        if info is None or info["clientId"] != client["id"] or info["session"] in dead_sessions:
            raise oidc_error("InvalidGrantException", "Invalid refresh token provided")
        if knob(state, "rotateRefreshTokens", True, bool):
            revoked.add(token)
        return issue(state, client, info["session"], entry)

    # ---- the browser's side --------------------------------------------------------------

    def authorize(self, state, body, query, entry):
        client_id, redirect_uri = query.get("client_id"), query.get("redirect_uri")
        state_param = query.get("state")
        scopes = [s for s in (query.get("scopes") or query.get("scope") or "").replace(",", " ").split() if s]
        entry.update(clientId=client_id, scopes=scopes)
        client = find_client(state, client_id)
        if client is None or client["expiresAt"] <= time.time():
            raise Failure(400, "InvalidClientException", None, "Unknown or expired client")
        if not isinstance(redirect_uri, str) or not any(
            loopback_match(r, redirect_uri) for r in client["redirectUris"]
        ):
            raise Failure(400, "InvalidRedirectUriException", None, "redirect_uri is not registered")
        entry["redirectUri"] = redirect_uri

        def fail(error, description):
            entry["error"] = error
            params = {"error": error, "error_description": description}
            if state_param is not None:
                params["state"] = state_param
            return 302, "", "text/html", [("Location", with_query(redirect_uri, params))]

        if query.get("response_type") != "code":
            return fail("unsupported_response_type", "response_type must be code")
        if "authorization_code" not in client["grantTypes"]:
            return fail("unauthorized_client", "The client may not use authorization_code")
        if not query.get("code_challenge") or query.get("code_challenge_method") != "S256":
            return fail("invalid_request", "PKCE with code_challenge_method=S256 is required")
        if client["scopes"] and any(s not in client["scopes"] for s in scopes):
            return fail("invalid_scope", "A scope was not registered")
        mode = state.get("authorizeMode") or "approve"
        entry["mode"] = mode
        if mode == "ignore":
            page_ = "<html><body><p>Waiting for you to sign in.</p></body></html>"
            return 200, page_, "text/html", ()
        if mode == "deny":
            return fail("access_denied", "The user denied the authorization")
        code = secrets.token_urlsafe(32)
        with lock:
            auth_codes[code] = {
                "clientId": client.get("id", client_id), "redirectUri": redirect_uri,
                "challenge": query["code_challenge"], "scopes": scopes,
                "expiresAt": time.time() + AUTH_CODE_TTL, "used": False,
            }
        sent_state = state_param
        if mode == "wrong_state":
            sent_state = "not-" + (state_param or "") + secrets.token_hex(4)
        params = {"code": code}
        if sent_state is not None:
            params["state"] = sent_state
        return 302, "", "text/html", [("Location", with_query(redirect_uri, params))]

    def device_verify(self, state, body, query, entry):
        user_code = (query.get("user_code") or "").strip().upper()
        mode = state.get("authorizeMode") or "approve"
        entry["mode"] = mode
        with lock:
            device = devices.get(user_codes.get(user_code, ""))
            if device is None:
                raise Failure(400, "InvalidGrantException", None, "Unknown user code")
            if device["expiresAt"] <= time.time():
                raise Failure(400, "ExpiredTokenException", None, "The code has expired")
            if mode == "ignore":
                return 200, "<html><body><p>Waiting for you to sign in.</p></body></html>", "text/html", ()
            if mode == "deny":
                device["denied"] = True
                return 200, "<html><body><p>Request denied.</p></body></html>", "text/html", ()
            device["approved"] = True
        return 200, "<html><body><p>Request approved. You may close this window.</p></body></html>", "text/html", ()

    # ---- portal --------------------------------------------------------------------------

    def bearer(self, state, entry):
        token = self.headers.get("x-amz-sso_bearer_token")
        entry["token"] = short_hash(token)
        with lock:
            return token, live_token(state, token)

    def get_role_credentials(self, state, body, query, entry):
        role, account = query.get("role_name"), query.get("account_id")
        entry.update(accountId=account, roleName=role)
        if not role or not account:
            raise portal_error("InvalidRequestException", "role_name and account_id are required")
        self.bearer(state, entry)
        for a in accounts_of(state):
            if a["accountId"] == account and role in roles_of(a):
                out = {"roleCredentials": role_credentials(state, account, role)}
                return 200, json.dumps(out), "application/json", ()
        raise portal_error("ForbiddenException", "No access")

    def list_accounts(self, state, body, query, entry):
        entry.update(maxResults=query.get("max_result"), nextToken=bool(query.get("next_token")))
        self.bearer(state, entry)
        items = [
            {k: a[k] for k in ("accountId", "accountName", "emailAddress") if isinstance(a.get(k), str)}
            for a in accounts_of(state)
        ]
        out = page(state, items, query, "accountList")
        return 200, json.dumps(out), "application/json", ()

    def list_account_roles(self, state, body, query, entry):
        account = query.get("account_id")
        entry.update(accountId=account, maxResults=query.get("max_result"),
                     nextToken=bool(query.get("next_token")))
        if not account:
            raise portal_error("InvalidRequestException", "account_id is required")
        self.bearer(state, entry)
        items = []
        for a in accounts_of(state):
            if a["accountId"] == account:
                items += [{"roleName": r, "accountId": account} for r in roles_of(a)]
        out = page(state, items, query, "roleList")
        return 200, json.dumps(out), "application/json", ()

    def logout(self, state, body, query, entry):
        token, session = self.bearer(state, entry)
        with lock:
            revoked.add(token)
            if session != "seeded":
                dead_sessions.add(session)
        return 200, "", "application/json", ()


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that hangs up is not news


server = Server(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
