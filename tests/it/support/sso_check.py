"""Proof, with real clients, that sso.py speaks the IAM Identity Center wire format.

Starts moto (moto_run.py) and sso.py in subprocesses with temp files, then drives the stand-in
with boto3's sso-oidc and sso clients (unsigned, as the AWS CLI calls them): client
registration, the device flow (pending, slow_down, expired, denied), the authorization-code
flow with PKCE (also through sso_browser.py and a loopback callback), refresh tokens, the
portal (pagination, role credentials that moto's GetCallerIdentity knows, 401 and 403),
logout, throttling retried by botocore, and botocore's own SSO token provider refreshing an
AWS CLI-style token cache. Prints "ok" and exits 0, or prints what failed and exits 1.

Usage: sso_check.py
"""
import base64
import hashlib
import http.client
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))
ACCOUNTS = [
    {"accountId": "111122223333", "accountName": "Dev Account", "emailAddress": "dev@example.com",
     "roles": ["ReadOnly", "Admin"]},
    {"accountId": "444455556666", "accountName": "Prod Account", "emailAddress": "prod@example.com",
     "roles": ["ReadOnly"]},
    {"accountId": "777788889999", "accountName": "Sandbox", "emailAddress": "sandbox@example.com",
     "roles": ["PowerUser"]},
]
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
START_URL = "https://corp.awsapps.com/start"

for name in list(os.environ):
    if name.startswith("AWS_") or name.lower() in ("http_proxy", "https_proxy", "all_proxy"):
        del os.environ[name]
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"

tmp = tempfile.mkdtemp(prefix="sso-check-")
os.environ["AWS_CONFIG_FILE"] = os.path.join(tmp, "no-config")
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = os.path.join(tmp, "no-credentials")
state_file = os.path.join(tmp, "state.json")
record_file = os.path.join(tmp, "record.jsonl")
port_file = os.path.join(tmp, "port")
failures = []
children = []
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


raw_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect)


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL:", what, flush=True)
    return condition


def write_state(**knobs):
    state = {"accounts": ACCOUNTS, **knobs}
    with open(state_file + ".tmp", "w") as f:
        json.dump(state, f)
    os.replace(state_file + ".tmp", state_file)


def records():
    try:
        with open(record_file) as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []


def short_hash(value):
    return hashlib.sha256(value.encode()).hexdigest()[:12]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def expect_error(what, want, status, fn, /, **kwargs):
    try:
        fn(**kwargs)
    except ClientError as e:
        got = (e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
        check(got == (want, status), f"{what}: expected {want}/{status}, got {got}")
        return e
    check(False, f"{what}: expected {want}, got success")
    return None


def raw(method, path, body=None, headers=None):
    request = urllib.request.Request(SSO + path, data=body, method=method, headers=headers or {})
    try:
        with raw_opener.open(request, timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


def start_children():
    global MOTO, SSO
    moto_port = free_port()
    moto = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "moto_run.py"), str(moto_port)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    children.append(moto)
    if moto.stdout.readline().strip() != "ready":
        raise RuntimeError("moto did not start")
    MOTO = f"http://127.0.0.1:{moto_port}"
    write_state()
    sso = subprocess.Popen(
        [sys.executable, os.path.join(HERE, "sso.py"), port_file, record_file, state_file, MOTO],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "sso.err"), "w"),
    )
    children.append(sso)
    for _ in range(200):
        if os.path.exists(port_file):
            break
        if sso.poll() is not None:
            raise RuntimeError("sso.py exited: " + open(os.path.join(tmp, "sso.err")).read())
        time.sleep(0.05)
    else:
        raise RuntimeError("sso.py wrote no port")
    SSO = f"http://127.0.0.1:{open(port_file).read().strip()}"


def poll_device(oidc, client, start):
    """CreateToken until granted, the way the AWS CLI polls (RFC 8628 3.5)."""
    interval = start["interval"]
    deadline = time.time() + start["expiresIn"]
    seen = []
    while time.time() < deadline:
        try:
            token = oidc.create_token(
                grantType=DEVICE_GRANT, clientId=client["clientId"],
                clientSecret=client["clientSecret"], deviceCode=start["deviceCode"],
            )
            return token, seen
        except oidc.exceptions.AuthorizationPendingException:
            seen.append("pending")
        except oidc.exceptions.SlowDownException:
            seen.append("slow_down")
            interval += 5
        time.sleep(interval)
    raise RuntimeError("device code never granted")


def pkce():
    verifier = base64.urlsafe_b64encode(secrets.token_bytes(48)).rstrip(b"=").decode()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_url(client_id, redirect_uri, state, challenge, scopes="sso:account:access"):
    return SSO + "/authorize?" + urlencode({
        "response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
        "scopes": scopes, "state": state, "code_challenge": challenge,
        "code_challenge_method": "S256",
    })


def location(url):
    status, headers, body = raw("GET", url[len(SSO):])
    loc = headers.get("Location")
    return status, loc, {k: v[0] for k, v in parse_qs(urlparse(loc).query).items()} if loc else {}


def run():
    start_children()
    unsigned = Config(signature_version=botocore.UNSIGNED, region_name="us-east-1")
    oidc = boto3.client("sso-oidc", endpoint_url=SSO, config=unsigned)
    sso = boto3.client("sso", endpoint_url=SSO, config=unsigned)

    # --- RegisterClient -----------------------------------------------------------------
    now = time.time()
    device_client = oidc.register_client(
        clientName="rolecall-check", clientType="public", scopes=["sso:account:access"]
    )
    check(all(k in device_client for k in ("clientId", "clientSecret", "clientIdIssuedAt", "clientSecretExpiresAt")),
          f"RegisterClient fields: {sorted(device_client)}")
    check(abs(device_client["clientSecretExpiresAt"] - (now + 90 * 86400)) < 60,
          "clientSecretExpiresAt is epoch seconds, 90 days on")
    expect_error("RegisterClient without clientType", "InvalidRequestException", 400,
                 lambda: raw_json("/client/register", {"clientName": "x"}))

    # --- device flow --------------------------------------------------------------------
    start = oidc.start_device_authorization(
        clientId=device_client["clientId"], clientSecret=device_client["clientSecret"], startUrl=START_URL
    )
    check(start["verificationUriComplete"].startswith(SSO + "/device?user_code=" + start["userCode"]),
          f"verificationUriComplete on the stand-in: {start['verificationUriComplete']}")
    check(start["interval"] == 1 and start["expiresIn"] == 600, "interval and expiresIn defaults")
    e = expect_error("CreateToken before approval", "AuthorizationPendingException", 400, oidc.create_token,
                     grantType=DEVICE_GRANT, clientId=device_client["clientId"],
                     clientSecret=device_client["clientSecret"], deviceCode=start["deviceCode"])
    check(e is not None and e.response.get("error") == "authorization_pending",
          "modeled error members (error, error_description) reach botocore")
    browser_record = os.path.join(tmp, "browser-device.json")
    subprocess.run([sys.executable, os.path.join(HERE, "sso_browser.py"), browser_record,
                    start["verificationUriComplete"]], check=True, timeout=30)
    visit = json.load(open(browser_record))
    check(visit.get("status") == 200 and visit.get("kind") == "device", f"browser on /device: {visit}")
    device_token, seen = poll_device(oidc, device_client, start)
    check(device_token["tokenType"] == "Bearer" and device_token["expiresIn"] == 3600
          and device_token.get("refreshToken"), f"device token fields: {sorted(device_token)}")
    expect_error("device code used twice", "InvalidGrantException", 400, oidc.create_token,
                 grantType=DEVICE_GRANT, clientId=device_client["clientId"],
                 clientSecret=device_client["clientSecret"], deviceCode=start["deviceCode"])
    expect_error("wrong client secret", "InvalidClientException", 401, oidc.create_token,
                 grantType=DEVICE_GRANT, clientId=device_client["clientId"],
                 clientSecret="nope", deviceCode=start["deviceCode"])

    write_state(deviceSlowDown=True, devicePendingPolls=0, deviceAutoApprove=True)
    start = oidc.start_device_authorization(
        clientId=device_client["clientId"], clientSecret=device_client["clientSecret"], startUrl=START_URL
    )
    _, seen = poll_device(oidc, device_client, start)
    check(seen == ["slow_down"], f"slow_down once, then granted: {seen}")

    write_state(deviceExpiresIn=1)
    start = oidc.start_device_authorization(
        clientId=device_client["clientId"], clientSecret=device_client["clientSecret"], startUrl=START_URL
    )
    check(start["expiresIn"] == 1, "deviceExpiresIn knob")
    time.sleep(1.2)
    expect_error("expired device code", "ExpiredTokenException", 400, oidc.create_token,
                 grantType=DEVICE_GRANT, clientId=device_client["clientId"],
                 clientSecret=device_client["clientSecret"], deviceCode=start["deviceCode"])

    write_state(authorizeMode="deny")
    start = oidc.start_device_authorization(
        clientId=device_client["clientId"], clientSecret=device_client["clientSecret"], startUrl=START_URL
    )
    opener.open(start["verificationUriComplete"], timeout=10).read()
    expect_error("denied device code", "AccessDeniedException", 400, oidc.create_token,
                 grantType=DEVICE_GRANT, clientId=device_client["clientId"],
                 clientSecret=device_client["clientSecret"], deviceCode=start["deviceCode"])
    write_state()

    # --- authorization code with PKCE ---------------------------------------------------
    code_client = oidc.register_client(
        clientName="rolecall-check-pkce", clientType="public", scopes=["sso:account:access"],
        grantTypes=["authorization_code", "refresh_token"],
        redirectUris=["http://127.0.0.1/oauth/callback"], issuerUrl=START_URL,
    )
    redirect = "http://127.0.0.1:45678/oauth/callback"
    verifier, challenge = pkce()
    status, loc, params = location(authorize_url(code_client["clientId"], redirect, "st-1", challenge))
    check(status == 302 and loc.startswith(redirect + "?") and params.get("state") == "st-1" and params.get("code"),
          f"/authorize redirects with code and state: {status} {loc}")
    expect_error("wrong redirectUri", "InvalidGrantException", 400, oidc.create_token,
                 grantType="authorization_code", clientId=code_client["clientId"],
                 clientSecret=code_client["clientSecret"], code=params["code"],
                 redirectUri="http://127.0.0.1:1/oauth/callback", codeVerifier=verifier)
    _, _, params = location(authorize_url(code_client["clientId"], redirect, "st-2", challenge))
    code_token = oidc.create_token(
        grantType="authorization_code", clientId=code_client["clientId"],
        clientSecret=code_client["clientSecret"], code=params["code"], redirectUri=redirect,
        codeVerifier=verifier,
    )
    check(code_token["tokenType"] == "Bearer" and code_token.get("refreshToken"), "authorization_code token")
    expect_error("code used twice", "InvalidGrantException", 400, oidc.create_token,
                 grantType="authorization_code", clientId=code_client["clientId"],
                 clientSecret=code_client["clientSecret"], code=params["code"], redirectUri=redirect,
                 codeVerifier=verifier)
    _, _, params = location(authorize_url(code_client["clientId"], redirect, "st-3", challenge))
    expect_error("wrong code verifier", "InvalidGrantException", 400, oidc.create_token,
                 grantType="authorization_code", clientId=code_client["clientId"],
                 clientSecret=code_client["clientSecret"], code=params["code"], redirectUri=redirect,
                 codeVerifier=pkce()[0])
    status, loc, _ = location(authorize_url(code_client["clientId"], "http://evil.example/cb", "s", challenge))
    check(status == 400 and loc is None, "unregistered redirect_uri is refused without a redirect")
    status, loc, _ = location(authorize_url(device_client["clientId"], redirect, "s", challenge))
    check(status == 400 and loc is None, "a client without redirect URIs cannot /authorize")
    for mode, want in (("deny", "access_denied"), ("wrong_state", "state")):
        write_state(authorizeMode=mode)
        status, loc, params = location(authorize_url(code_client["clientId"], redirect, "st-4", challenge))
        if mode == "deny":
            check(status == 302 and params.get("error") == "access_denied" and params.get("state") == "st-4",
                  f"deny mode: {loc}")
        else:
            check(status == 302 and params.get("code") and params.get("state") not in (None, "st-4"),
                  f"wrong_state mode: {loc}")
    write_state(authorizeMode="ignore")
    status, loc, _ = location(authorize_url(code_client["clientId"], redirect, "st-5", challenge))
    check(status == 200 and loc is None, "ignore mode answers a page and no redirect")
    write_state()

    # ...and through sso_browser.py to a loopback callback, as the CLI would get it.
    got = {}

    class Callback(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            got.update({k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()})
            got["path"] = urlparse(self.path).path
            data = b"<html>You are signed in. You may close this window.</html>"
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    callback = ThreadingHTTPServer(("127.0.0.1", 0), Callback)
    threading.Thread(target=callback.serve_forever, daemon=True).start()
    loopback = f"http://127.0.0.1:{callback.server_address[1]}/oauth/callback"
    verifier, challenge = pkce()
    browser_record = os.path.join(tmp, "browser-authorize.json")
    subprocess.run([sys.executable, os.path.join(HERE, "sso_browser.py"), browser_record,
                    authorize_url(code_client["clientId"], loopback, "st-6", challenge)], check=True, timeout=30)
    callback.shutdown()
    visit = json.load(open(browser_record))
    check(visit.get("status") == 200 and visit.get("landed", "").startswith(loopback)
          and "signed in" in visit.get("body", ""), f"browser followed /authorize to the callback: {visit}")
    check(got.get("path") == "/oauth/callback" and got.get("state") == "st-6" and got.get("code"),
          f"callback got code and state: {got}")
    if got.get("code"):
        oidc.create_token(grantType="authorization_code", clientId=code_client["clientId"],
                          clientSecret=code_client["clientSecret"], code=got["code"],
                          redirectUri=loopback, codeVerifier=verifier)

    # --- refresh_token ------------------------------------------------------------------
    refreshed = oidc.create_token(
        grantType="refresh_token", clientId=device_client["clientId"],
        clientSecret=device_client["clientSecret"], refreshToken=device_token["refreshToken"],
    )
    check(refreshed["accessToken"] != device_token["accessToken"]
          and refreshed.get("refreshToken") not in (None, device_token["refreshToken"]),
          "refresh gives a new access token and a new refresh token")
    expect_error("refresh token used twice", "InvalidGrantException", 400, oidc.create_token,
                 grantType="refresh_token", clientId=device_client["clientId"],
                 clientSecret=device_client["clientSecret"], refreshToken=device_token["refreshToken"])
    expect_error("refresh token of another client", "InvalidGrantException", 400, oidc.create_token,
                 grantType="refresh_token", clientId=code_client["clientId"],
                 clientSecret=code_client["clientSecret"], refreshToken=refreshed["refreshToken"])
    write_state(clientSecretTtl=2, deviceAutoApprove=True, devicePendingPolls=0)
    short_client = oidc.register_client(clientName="short", clientType="public", scopes=["sso:account:access"])
    start = oidc.start_device_authorization(
        clientId=short_client["clientId"], clientSecret=short_client["clientSecret"], startUrl=START_URL
    )
    short_token, _ = poll_device(oidc, short_client, start)
    time.sleep(2.2)
    expect_error("refresh with an expired registration", "InvalidClientException", 401, oidc.create_token,
                 grantType="refresh_token", clientId=short_client["clientId"],
                 clientSecret=short_client["clientSecret"], refreshToken=short_token["refreshToken"])
    write_state(issueRefreshTokens=False, deviceAutoApprove=True, devicePendingPolls=0)
    start = oidc.start_device_authorization(
        clientId=device_client["clientId"], clientSecret=device_client["clientSecret"], startUrl=START_URL
    )
    check("refreshToken" not in poll_device(oidc, device_client, start)[0], "issueRefreshTokens=false")
    write_state()

    # --- portal ---------------------------------------------------------------------------
    token = refreshed["accessToken"]
    first = sso.list_accounts(accessToken=token, maxResults=1)
    check(len(first["accountList"]) == 1 and first.get("nextToken"), "ListAccounts pages of one")
    pages = list(sso.get_paginator("list_accounts").paginate(accessToken=token, PaginationConfig={"PageSize": 1}))
    ids = [a["accountId"] for p in pages for a in p["accountList"]]
    check(ids == [a["accountId"] for a in ACCOUNTS] and len(pages) == 3, f"paginated accounts: {ids}")
    check(pages[0]["accountList"][0] == {k: ACCOUNTS[0][k] for k in ("accountId", "accountName", "emailAddress")},
          f"AccountInfo shape: {pages[0]['accountList'][0]}")
    roles, next_token = [], None
    while True:
        kwargs = {"nextToken": next_token} if next_token else {}
        page = sso.list_account_roles(accessToken=token, accountId="111122223333", maxResults=1, **kwargs)
        roles += page["roleList"]
        next_token = page.get("nextToken")
        if not next_token:
            break
    check(roles == [{"roleName": "ReadOnly", "accountId": "111122223333"},
                    {"roleName": "Admin", "accountId": "111122223333"}], f"roleList: {roles}")
    before = time.time()
    creds = sso.get_role_credentials(accessToken=token, accountId="111122223333", roleName="ReadOnly")["roleCredentials"]
    check(creds["accessKeyId"].startswith("ASIA") and creds["sessionToken"], "role credentials")
    check(abs(creds["expiration"] - (before + 3600) * 1000) < 60_000, f"expiration in epoch ms: {creds['expiration']}")
    identity = boto3.client(
        "sts", endpoint_url=MOTO, region_name="us-east-1", aws_access_key_id=creds["accessKeyId"],
        aws_secret_access_key=creds["secretAccessKey"], aws_session_token=creds["sessionToken"],
    ).get_caller_identity()
    check(identity["Arn"] == "arn:aws:sts::111122223333:assumed-role/ReadOnly/sso-user"
          and identity["Account"] == "111122223333", f"moto knows the credentials: {identity['Arn']}")
    e = expect_error("role not assigned", "ForbiddenException", 403, sso.get_role_credentials,
                     accessToken=token, accountId="111122223333", roleName="PowerUser")
    check(e is not None and e.response["Error"].get("Message") == "No access", "ForbiddenException message")
    e = expect_error("unknown token", "UnauthorizedException", 401, sso.get_role_credentials,
                     accessToken="not-a-token", accountId="111122223333", roleName="ReadOnly")
    check(isinstance(e, sso.exceptions.UnauthorizedException), "UnauthorizedException is the modeled class")
    check(sso.list_account_roles(accessToken=token, accountId="000000000000")["roleList"] == [],
          "an unassigned account has no roles")

    sso.logout(accessToken=code_token["accessToken"])
    expect_error("token after logout", "UnauthorizedException", 401, sso.get_role_credentials,
                 accessToken=code_token["accessToken"], accountId="111122223333", roleName="ReadOnly")
    expect_error("refresh after logout", "InvalidGrantException", 400, oidc.create_token,
                 grantType="refresh_token", clientId=code_client["clientId"],
                 clientSecret=code_client["clientSecret"], refreshToken=code_token["refreshToken"])
    check(sso.list_accounts(accessToken=token)["accountList"], "logout of one session leaves another")

    write_state(tokenTtl=1)
    short = oidc.create_token(grantType="refresh_token", clientId=device_client["clientId"],
                              clientSecret=device_client["clientSecret"], refreshToken=refreshed["refreshToken"])
    check(short["expiresIn"] == 1, "tokenTtl knob")
    time.sleep(1.2)
    expect_error("expired access token", "UnauthorizedException", 401, sso.list_accounts, accessToken=short["accessToken"])
    write_state()

    # --- throttling, retried by botocore -----------------------------------------------
    write_state(throttleOnce=["ListAccounts", "CreateToken"])
    answer = sso.list_accounts(accessToken=token)
    check(answer["ResponseMetadata"]["RetryAttempts"] == 1, "ListAccounts retried after 429")
    throttle_refresh = oidc.create_token(grantType="refresh_token", clientId=device_client["clientId"],
                                         clientSecret=device_client["clientSecret"], refreshToken=short["refreshToken"])
    check(throttle_refresh["ResponseMetadata"]["RetryAttempts"] == 1, "CreateToken retried after 429")
    statuses = [r["status"] for r in records() if r["op"] == "ListAccounts"][-2:]
    check(statuses == [429, 200], f"record shows 429 then 200: {statuses}")
    write_state()

    # --- malformed input ------------------------------------------------------------------
    status, headers, body = raw("POST", "/token", b"{not json", {"Content-Type": "application/json"})
    check(status == 400 and headers.get("X-Amzn-Errortype") == "InvalidRequestException"
          and json.loads(body).get("error") == "invalid_request", f"bad JSON: {status} {body}")
    status, headers, body = raw("GET", "/assignment/accounts?max_result=abc", None,
                                {"x-amz-sso_bearer_token": token})
    check(status == 400 and json.loads(body).get("message"), f"bad max_result: {status} {body}")
    status, headers, body = raw("GET", "/assignment/accounts?next_token=%%%", None, {"x-amz-sso_bearer_token": token})
    check(status == 400, f"bad next_token: {status} {body}")
    status, _, _ = raw("GET", "/nowhere")
    check(status == 404, "unknown path is 404")
    status, _, _ = raw("GET", "/authorize?client_id=%ff%fe")
    check(status == 400, "bad /authorize is 400")

    # --- botocore's own SSO token provider against an AWS CLI-style cache -----------------
    start = oidc.start_device_authorization(
        clientId=device_client["clientId"], clientSecret=device_client["clientSecret"], startUrl=START_URL
    )
    opener.open(start["verificationUriComplete"], timeout=10).read()
    cached, _ = poll_device(oidc, device_client, start)
    home = os.path.join(tmp, "home")
    os.makedirs(os.path.join(home, ".aws", "sso", "cache"))
    with open(os.path.join(home, ".aws", "config"), "w") as f:
        f.write(
            "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Admin\n"
            f"region = us-east-1\n\n[sso-session corp]\nsso_start_url = {START_URL}\nsso_region = us-east-1\n"
            "sso_registration_scopes = sso:account:access\n"
        )
    cache_file = os.path.join(home, ".aws", "sso", "cache", hashlib.sha1(b"corp").hexdigest() + ".json")
    stamp = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    utc_now = datetime.now(timezone.utc)
    with open(cache_file, "w") as f:
        json.dump({
            "startUrl": START_URL, "region": "us-east-1", "accessToken": cached["accessToken"],
            "expiresAt": stamp(utc_now + timedelta(minutes=5)), "refreshToken": cached["refreshToken"],
            "clientId": device_client["clientId"], "clientSecret": device_client["clientSecret"],
            "registrationExpiresAt": stamp(datetime.fromtimestamp(device_client["clientSecretExpiresAt"], timezone.utc)),
        }, f)
    mark = len(records())
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(HOME=home, AWS_ENDPOINT_URL_SSO=SSO, AWS_ENDPOINT_URL_SSO_OIDC=SSO)
    script = (
        "import boto3, json, sys\n"
        "ident = boto3.Session(profile_name='dev').client('sts', endpoint_url=sys.argv[1]).get_caller_identity()\n"
        "print(json.dumps({'Arn': ident['Arn'], 'Account': ident['Account']}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script, MOTO], env=env, capture_output=True, text=True, timeout=60)
    if check(done.returncode == 0, f"botocore with the token cache: {done.stderr[-2000:]}"):
        ident = json.loads(done.stdout.strip().splitlines()[-1])
        check(ident["Arn"] == "arn:aws:sts::111122223333:assumed-role/Admin/sso-user",
              f"GetCallerIdentity through the sso profile: {ident}")
    new = records()[mark:]
    refreshes = [r for r in new if r["op"] == "CreateToken" and r.get("grantType") == "refresh_token"]
    check(len(refreshes) == 1 and refreshes[0]["status"] == 200
          and refreshes[0].get("token") == short_hash(cached["refreshToken"]),
          f"botocore refreshed through the stand-in: {refreshes}")
    rewritten = json.load(open(cache_file))
    check(rewritten["accessToken"] != cached["accessToken"] and rewritten.get("refreshToken") not in
          (None, cached["refreshToken"]), "the cache file holds the new tokens")
    check(datetime.fromisoformat(rewritten["expiresAt"].replace("Z", "+00:00")) > utc_now + timedelta(minutes=50),
          f"new expiresAt: {rewritten['expiresAt']}")
    gets = [r for r in new if r["op"] == "GetRoleCredentials"]
    check(len(gets) == 1 and gets[0]["status"] == 200 and gets[0]["token"] == short_hash(rewritten["accessToken"])
          and gets[0]["roleName"] == "Admin", f"GetRoleCredentials used the new token: {gets}")

    # --- the record -----------------------------------------------------------------------
    all_records = records()
    text = open(record_file).read()
    secret_values = [device_client["clientSecret"], code_client["clientSecret"], device_token["accessToken"],
                     device_token["refreshToken"], refreshed["accessToken"], creds["secretAccessKey"],
                     creds["sessionToken"], cached["refreshToken"], rewritten["accessToken"]]
    check(not any(v in text for v in secret_values), "no secrets or tokens in the record")
    ops = {r["op"] for r in all_records}
    want = {"RegisterClient", "StartDeviceAuthorization", "CreateToken", "Authorize", "DeviceVerify",
            "GetRoleCredentials", "ListAccounts", "ListAccountRoles", "Logout"}
    check(want <= ops, f"every op recorded: missing {want - ops}")
    check(all(isinstance(r.get("status"), int) for r in all_records), "every record has a status")
    check(not any(r.get("error") == "InternalServerException" for r in all_records),
          f"no 500s: {[r for r in all_records if r.get('error') == 'InternalServerException']}")


def raw_json(path, body):
    """A hand-made POST for a request botocore's validation would not send; raises like botocore."""
    status, headers, text = raw("POST", path, json.dumps(body).encode(), {"Content-Type": "application/json"})
    if status >= 300:
        raise ClientError({"Error": {"Code": headers.get("X-Amzn-Errortype", ""), "Message": text},
                           "ResponseMetadata": {"HTTPStatusCode": status}}, path)
    return json.loads(text)


def main():
    try:
        run()
    except Exception:  # noqa: BLE001 - report it as a failure
        failures.append(traceback.format_exc())
        print(failures[-1])
    finally:
        for child in reversed(children):
            if child.stdin:
                child.stdin.close()
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
    if failures:
        print(f"{len(failures)} check(s) failed (files in {tmp})")
        sys.exit(1)
    shutil.rmtree(tmp, ignore_errors=True)
    print("ok")


if __name__ == "__main__":
    main()
