#!/usr/bin/env python3
"""Signs a demonstration staff account in on a local Radix server and prints the session cookie.

    python3 bench/support_sign_in.py PORT EMAIL PASSWORD   -> prints "__Host-radix_session=..."

Used by bench/support.sh. Standard library only. Talks to 127.0.0.1 only. Follows the flow of
tests/browser/journeys.mjs: GET /nl/sign-in (hidden csrf), POST /nl/sign-in (303 to
/nl/account/second-factor), GET that page (TOTP secret in p.secret), POST the current
RFC 6238 code (SHA-1, 30 s, 6 digits) -> 200 with recovery codes.

Cookies are handled by hand: the session cookie is __Host- and Secure, which a cookie jar
would not send over http on loopback. Exit code 0 on success; 1 with a message otherwise.
"""

import base64
import hashlib
import hmac
import html
import http.client
import re
import struct
import sys
import time
import urllib.parse

SESSION_COOKIE = "__Host-radix_session"


class Client:
    def __init__(self, port):
        self.port = port
        self.cookies = {}

    def request(self, method, path, form=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Accept": "text/html"}
        body = None
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://127.0.0.1:{self.port}"
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        text = resp.read().decode("utf-8", "replace")
        for name, value in resp.getheaders():
            if name.lower() != "set-cookie":
                continue
            pair = value.split(";", 1)[0]
            if "=" not in pair:
                continue
            k, v = pair.split("=", 1)
            k = k.strip()
            expired = re.search(r"max-age=0\b", value, re.I) or v == ""
            if expired:
                self.cookies.pop(k, None)
            else:
                self.cookies[k] = v.strip()
        conn.close()
        return resp.status, resp.getheader("Location") or "", text


def hidden_csrf(page):
    m = re.search(r'<input[^>]*name="csrf"[^>]*value="([^"]*)"', page) or re.search(
        r'<input[^>]*value="([^"]*)"[^>]*name="csrf"', page
    )
    if not m:
        raise SystemExit("no hidden csrf input on the page")
    return html.unescape(m.group(1))


def totp(secret_b32, now=None, step=30, digits=6):
    clean = re.sub(r"[\s=-]", "", secret_b32).upper()
    key = base64.b32decode(clean + "=" * (-len(clean) % 8))
    counter = int((time.time() if now is None else now) // step)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[off : off + 4])[0] & 0x7FFFFFFF) % (10**digits)
    return str(code).zfill(digits)


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    port, email, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    # RFC 6238 test vector (SHA-1, T=59, 8 digits) -> 94287082
    vector = base64.b32encode(b"12345678901234567890").decode()
    assert totp(vector, now=59, digits=8) == "94287082", "TOTP self-test failed"

    c = Client(port)
    status, _, page = c.request("GET", "/nl/sign-in")
    if status != 200:
        raise SystemExit(f"GET /nl/sign-in answered {status}")
    status, location, page = c.request(
        "POST",
        "/nl/sign-in",
        {"email": email, "password": password, "csrf": hidden_csrf(page), "next": "/nl/support"},
    )
    if status not in (302, 303) or not location.endswith("/nl/account/second-factor"):
        raise SystemExit(f"POST /nl/sign-in answered {status} (Location: {location!r}), "
                         "expected 303 to /nl/account/second-factor (already enrolled?)")
    status, _, page = c.request("GET", "/nl/account/second-factor")
    if status != 200:
        raise SystemExit(f"GET /nl/account/second-factor answered {status}")
    m = re.search(r'<p class="secret">([^<]+)</p>', page)
    if not m:
        raise SystemExit("no p.secret on the enrolment page")
    secret = html.unescape(m.group(1)).strip()
    # Avoid the last second of a 30 s window: the code could expire on the way.
    if 30 - time.time() % 30 < 2:
        time.sleep(2.5)
    status, location, page = c.request(
        "POST", "/nl/account/second-factor", {"code": totp(secret), "csrf": hidden_csrf(page)}
    )
    if status != 200:
        raise SystemExit(f"POST /nl/account/second-factor answered {status} (Location: {location!r})")
    if SESSION_COOKIE not in c.cookies:
        raise SystemExit(f"no {SESSION_COOKIE} cookie after enrolment")
    status, _, _ = c.request("GET", "/nl/support")
    if status != 200:
        raise SystemExit(f"GET /nl/support with the session answered {status}")
    print(f"{SESSION_COOKIE}={c.cookies[SESSION_COOKIE]}")


if __name__ == "__main__":
    main()
