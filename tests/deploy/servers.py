"""The shipped production pieces run for real on loopback: gunicorn with deploy/gunicorn.conf.py,
and Debian's nginx with deploy/nginx/crm.conf, only its ports, paths and certificate changed."""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NGINX = "/usr/sbin/nginx"
SITE = ROOT / "deploy" / "nginx" / "crm.conf"
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"

WRAPPER = """
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {folder}/access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/crm.conf;
}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{url}: the server exited\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our loopback server
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within 30 s\n{log.read_text()}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def start_gunicorn(
    database_url: str, folder: Path, *, workers: int = 1, **settings: str
) -> tuple[int, subprocess.Popen]:
    """gunicorn with the shipped settings (one worker unless asked, to start fast) in
    production mode."""
    port = free_port()
    log = folder / "gunicorn.log"
    env = {
        **os.environ,
        "CRM_ENV": "production",
        "CRM_SECRET_KEY": secrets.token_urlsafe(48),
        "CRM_DATABASE_URL": database_url,
        "CRM_TRUSTED_PROXIES": "1",
        "CRM_ATTACHMENT_DIR": str(folder / "attachments"),
        **settings,
    }
    command = [str(Path(sys.executable).with_name("gunicorn")), "--config", str(GUNICORN_CONF)]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", str(workers), "wsgi:app"]
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)  # noqa: S603
    wait_for(f"http://127.0.0.1:{port}/healthz", process, log)
    return port, process


def site_for_test(folder: Path, *, http: int, https: int, upstream: int) -> str:
    """The shipped site with loopback ports, the test certificate and a copy of the static files
    (readable by nginx's user); each placeholder must be found, so a reshaped file fails here."""
    site = SITE.read_text()
    replacements = {
        "    listen [::]:80;\n": "",
        "    listen [::]:443 ssl http2;\n": "",
        "listen 80;": f"listen 127.0.0.1:{http};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https} ssl http2;",
        "/etc/ssl/crm/fullchain.pem": str(folder / "cert.pem"),
        "/etc/ssl/crm/privkey.pem": str(folder / "key.pem"),
        "/srv/crm/crm/static/": f"{folder / 'static'}/",
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{upstream};",
        "/var/log/nginx/crm.access.log": str(folder / "crm.access.log"),
    }
    for placeholder, value in replacements.items():
        assert placeholder in site, f"{placeholder!r} is no longer in {SITE.name}"
        site = site.replace(placeholder, value)
    return site


def make_certificate(folder: Path) -> None:
    """A throwaway self-signed certificate for 127.0.0.1, valid for a day."""
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(  # noqa: S603
        ["/usr/bin/openssl", "req", "-x509", "-nodes", "-days", "1",
         "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip


def start_nginx(folder: Path, *, upstream: int) -> tuple[int, int, subprocess.Popen]:
    """nginx as an ordinary user in ``folder`` (its pid, logs and temp files there); under root
    it runs as nobody, as nginx's workers would."""
    http, https = free_port(), free_port()
    make_certificate(folder)
    shutil.copytree(ROOT / "crm" / "static", folder / "static")
    (folder / "crm.conf").write_text(
        site_for_test(folder, http=http, https=https, upstream=upstream)
    )
    (folder / "nginx.conf").write_text(WRAPPER.format(folder=folder))
    user = None
    if os.geteuid() == 0:
        user = pwd.getpwnam("nobody")
        for path in [folder, *folder.rglob("*")]:
            os.chown(path, user.pw_uid, user.pw_gid)
    command = [NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf")]
    command += ["-e", str(folder / "error.log"), "-g", "daemon off;"]
    log = folder / "nginx.out"  # opened here, so nginx's user need not own it
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603
            command,
            stderr=output,
            user=user.pw_uid if user else None,
            group=user.pw_gid if user else None,
        )
    deadline = time.monotonic() + 15
    while not (folder / "nginx.pid").exists():
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process)
            raise AssertionError(f"nginx did not start:\n{log.read_text()}")
        time.sleep(0.05)
    return http, https, process
