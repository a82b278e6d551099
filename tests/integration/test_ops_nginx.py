"""The nginx site of docs/deploy/nginx-portal.conf in front of a real portal, on loopback with its own ports,
configuration, certificate and temporary folders: HTTP goes to HTTPS, a citizen walks a survey through TLS, the
portal sees the forwarded address (PORTAL_TRUSTED_PROXIES), the queue board's websocket upgrades and receives a
live event, nginx serves the static files and refuses an oversized upload, /metrics stays closed from outside
and the probes answer. Skipped, saying why, only when nginx is not installed (apt-get install nginx-light)."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shlex
import shutil
import ssl
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from portal.paths import STATIC_DIR
from tests.integration.ops_support import (
    REPO,
    answer_survey,
    free_port,
    hidden_fields,
    portal_env,
    query,
    seed,
    served,
)

SITE = REPO / "docs" / "deploy" / "nginx-portal.conf"
NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)

pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed here (Debian: apt-get install -y "
                                                      "nginx-light); .ci/run installs it")


def self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2)).sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) >= 1, f"docs/deploy/nginx-portal.conf no longer holds {old!r}: update this test"
    return text.replace(old, new)


def site_for_test(portal_port: int, https: int, http: int, cert: Path, key: Path) -> str:
    """The documented site with only what a test host must change: ports, certificate, static folder."""
    site = SITE.read_text()
    site = re.sub(r"^\s*listen \[::\].*$\n", "", site, flags=re.M)  # loopback IPv4 only here
    site = replace_once(site, "listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;")
    site = replace_once(site, "listen 80;", f"listen 127.0.0.1:{http};")
    site = replace_once(site, "server 127.0.0.1:8000;", f"server 127.0.0.1:{portal_port};")
    site = replace_once(site, "/etc/letsencrypt/live/layanan.example.go.id/fullchain.pem", str(cert))
    site = replace_once(site, "/etc/letsencrypt/live/layanan.example.go.id/privkey.pem", str(key))
    return replace_once(site, "/opt/portal/venv/lib/python3.11/site-packages/portal/_data/static/", f"{STATIC_DIR}/")


def start_nginx(folder: Path, site: str, https: int) -> subprocess.Popen:
    (folder / "site.conf").write_text(site)
    temp = {name: folder / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    conf = folder / "nginx.conf"
    conf.write_text(f"""
        {"user root;" if os.geteuid() == 0 else ""}
        daemon off;
        worker_processes 1;
        pid {folder / "nginx.pid"};
        error_log {folder / "error.log"} info;
        events {{ worker_connections 256; }}
        http {{
            types {{ text/html html; text/css css; application/javascript js; image/svg+xml svg;
                     image/png png; application/json json; }}
            default_type application/octet-stream;
            access_log {folder / "access.log"};
            client_body_temp_path {temp["client_body"]};
            proxy_temp_path {temp["proxy"]};
            fastcgi_temp_path {temp["fastcgi"]};
            uwsgi_temp_path {temp["uwsgi"]};
            scgi_temp_path {temp["scgi"]};
            include {folder / "site.conf"};
        }}
    """)
    assert NGINX is not None
    checked = subprocess.run([NGINX, "-t", "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log")],
                             capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(conf), "-e", str(folder / "error.log")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"https://127.0.0.1:{https}/healthz", verify=False, timeout=2)
            return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("nginx did not start: " + (folder / "error.log").read_text(errors="replace")[-2000:])


def unit_waits_for_readiness(env: dict[str, str]) -> bool:
    """docs/deploy/portal.service's ExecStartPost, as systemd runs it ($$ is a literal $), against the portal of
    `env`: it ends at once with success when /readyz answers 200 (True without curl: nothing to check here)."""
    if shutil.which("curl") is None:
        return True
    line = re.search(r"^ExecStartPost=(.*)$", (REPO / "docs" / "deploy" / "portal.service").read_text(), re.M)
    assert line is not None
    argv = shlex.split(line.group(1).replace("$$", "$"))
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=30)
    return done.returncode == 0


def test_a_survey_walks_through_nginx_with_tls_forwarded_addresses_websockets_and_static_files(tmp_path):
    from websockets.sync.client import connect

    nginx_dir = tmp_path / "nginx"
    nginx_dir.mkdir()
    cert, key = self_signed(nginx_dir)
    https, http, portal_port = free_port(), free_port(), free_port()
    public = f"https://127.0.0.1:{https}"
    with portal_env(tmp_path / "var", PORTAL_TRUSTED_PROXIES="127.0.0.1", PORTAL_PUBLIC_URL=public,
                    PORTAL_PORT=str(portal_port)) as env:
        scene = seed(env)
        with served(env, port=portal_port) as server:
            nginx = start_nginx(nginx_dir, site_for_test(portal_port, https, http, cert, key), https)
            try:
                # Plain HTTP is sent to HTTPS.
                redirect = httpx.get(f"http://127.0.0.1:{http}/c/{scene['counter']}", timeout=10)
                assert redirect.status_code == 301
                assert redirect.headers["location"] == f"https://127.0.0.1/c/{scene['counter']}"
                with httpx.Client(base_url=public, verify=False, timeout=30, headers={"origin": public}) as client:
                    # Two citizens behind different addresses, then the first again: the portal tells them apart
                    # by the forwarded address (only ever as a keyed hash).
                    for address in ("203.0.113.10", "203.0.113.20", "203.0.113.10"):
                        thanks = answer_survey(client, scene, headers={"x-forwarded-for": address})
                        assert thanks.status_code == 200 and "Terima kasih" in thanks.text, thanks.text[-800:]
                        assert re.fullmatch(r"[0-9a-f]{32}", thanks.headers["x-request-id"])  # nginx's $request_id
                    hashes = [row["client_hash"] for row in query(
                        env, "SELECT client_hash FROM survey_response ORDER BY id")]
                    assert len(hashes) == 3 and hashes[0] == hashes[2] != hashes[1] and None not in hashes
                    # Static files come from nginx (its expires header), byte for byte the package's.
                    css = client.get("/static/css/site.css")
                    assert css.status_code == 200 and css.content == (STATIC_DIR / "css" / "site.css").read_bytes()
                    assert "max-age=604800" in css.headers.get("cache-control", "")
                    # Uploads above the cap are refused by nginx before they reach the portal.
                    big = client.post("/complaints/new", content=b"x" * (3 * 1024 * 1024),
                                      headers={"content-type": "application/octet-stream"})
                    assert big.status_code == 413 and "nginx" in big.text
                    # The probes answer through nginx; the metrics do not (only straight at a worker).
                    assert client.get("/readyz").json()["status"] == "ready"
                    assert unit_waits_for_readiness(env)
                    assert client.get("/metrics").status_code == 404
                    assert httpx.get(f"{server['base']}/metrics", timeout=30).status_code == 200
                    # The board's websocket upgrades through nginx and receives a live event.
                    context = ssl.create_default_context()
                    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
                    with connect(f"wss://127.0.0.1:{https}/ws/units/{scene['unit']}/queue", ssl=context,
                                 open_timeout=20) as board:
                        first = json.loads(board.recv(timeout=20))
                        assert first["type"] == "state"
                        login = client.get("/login")
                        signed_in = client.post("/login", data={**hidden_fields(login.text),
                                                                "username": scene["officer"][0],
                                                                "password": scene["officer"][1]})
                        assert signed_in.status_code == 303, signed_in.text[-800:]
                        issued = client.post(f"/console/counters/{scene['counter']}/tickets", data={
                            "service": str(scene["service_id"]), "_csrf_token": client.cookies.get("csrftoken")})
                        assert issued.status_code in (200, 303), issued.text[-800:]
                        event = json.loads(board.recv(timeout=20))
                        assert event["type"] == "issued" and event["unit"] == scene["unit"], event
            finally:
                nginx.terminate()
                nginx.wait(timeout=20)
        access = (nginx_dir / "access.log").read_text()
        assert "/c/" in access and "/ws/units/" in access
