"""Settings dataclass read from PORTAL_* environment variables (each one is documented in README.md)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

#: Every environment variable the portal reads, with a one-line description (README.md must list each).
ENVIRONMENT = {
    "PORTAL_DATABASE_URL": "database URL; default sqlite:///<var>/portal.sqlite3; postgresql://… for scale-out",
    "PORTAL_REDIS_URL": "redis://… for shared stores and live events; unset = in-process stores and channels",
    "PORTAL_SECRET_KEY": "secret for sessions, CSRF and tokens; generated once into <var>/secret_key when unset",
    "PORTAL_PUBLIC_URL": "absolute base URL printed in QR codes, e.g. https://layanan.kupangkota.go.id",
    "PORTAL_HOST": "address to listen on (default 127.0.0.1)",
    "PORTAL_PORT": "port to listen on (default 8000)",
    "PORTAL_DEFAULT_LANGUAGE": "language when the browser does not ask for one: id (default) or en",
    "PORTAL_VAR_DIR": "folder for the SQLite file, the secret key and file stores (default ./var)",
    "PORTAL_WORKERS": "number of server worker processes (default 1; >1 needs PostgreSQL and Redis)",
    "PORTAL_REDIS_NAMESPACE": "key prefix in Redis for stores and channels (default portal)",
    "PORTAL_TRUSTED_PROXIES": "comma-separated proxy addresses whose X-Forwarded-For is trusted (default none)",
    "PORTAL_ALLOWED_HOSTS": "comma-separated other names the site is reached under (host[:port] with the public URL's "
    "scheme, or a full origin such as http://10.0.0.5:8000): forms posted from them are believed (default none)",
    "PORTAL_REFRESH_SECONDS": "how often the background refresher folds new facts into the rollups and republishes "
    "figures (default 5; 0 = no background refresher, e.g. in tests that run it by hand)",
    "PORTAL_DEBUG": "development only: 1 reloads changed templates and answers a server error with Litestar's "
    "traceback page (default 0; never in production)",
    "PORTAL_LOG_FORMAT": "text (default, readable) or json (one JSON object per line, for log collectors)",
    "PORTAL_METRICS_TOKEN": "bearer token that opens GET /metrics from any address (default none)",
    "PORTAL_METRICS_ALLOW": "comma-separated addresses or networks that may read GET /metrics without the token, "
    "when they connect directly (not through a proxy); default 127.0.0.1,::1; empty = token only",
}

LOG_FORMATS = ("text", "json")

LANGUAGES = ("id", "en")


@dataclass(frozen=True)
class Settings:
    var_dir: Path
    database_url: str
    redis_url: str | None
    secret_key: str
    public_url: str
    host: str = "127.0.0.1"
    port: int = 8000
    default_language: str = "id"
    workers: int = 1
    trusted_proxies: tuple[str, ...] = field(default_factory=tuple)
    allowed_hosts: tuple[str, ...] = field(default_factory=tuple)
    refresh_seconds: float = 5.0
    redis_namespace: str = "portal"
    debug: bool = False
    log_format: str = "text"
    metrics_token: str | None = None
    metrics_allow: tuple[str, ...] = ("127.0.0.1", "::1")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path:
        return Path(self.database_url.removeprefix("sqlite:///"))

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        var_dir = Path(env.get("PORTAL_VAR_DIR") or "var").resolve()
        var_dir.mkdir(parents=True, exist_ok=True)
        database_url = env.get("PORTAL_DATABASE_URL") or f"sqlite:///{var_dir / 'portal.sqlite3'}"
        if not database_url.startswith(("sqlite:///", "postgres://", "postgresql://")):
            raise ValueError("PORTAL_DATABASE_URL must start with sqlite:/// or postgresql://")
        host = env.get("PORTAL_HOST") or "127.0.0.1"
        port = int(env.get("PORTAL_PORT") or 8000)
        language = (env.get("PORTAL_DEFAULT_LANGUAGE") or "id").lower()
        if language not in LANGUAGES:
            raise ValueError(f"PORTAL_DEFAULT_LANGUAGE must be one of {', '.join(LANGUAGES)}")
        public_url = (env.get("PORTAL_PUBLIC_URL") or f"http://{_reachable(host)}:{port}").rstrip("/")
        proxies = tuple(p.strip() for p in (env.get("PORTAL_TRUSTED_PROXIES") or "").split(",") if p.strip())
        allowed_hosts = tuple(h.strip() for h in (env.get("PORTAL_ALLOWED_HOSTS") or "").split(",") if h.strip())
        log_format = (env.get("PORTAL_LOG_FORMAT") or "text").lower()
        if log_format not in LOG_FORMATS:
            raise ValueError(f"PORTAL_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}")
        allow = env.get("PORTAL_METRICS_ALLOW")
        metrics_allow = ("127.0.0.1", "::1") if allow is None else tuple(
            a.strip() for a in allow.split(",") if a.strip())
        _check_networks(metrics_allow)
        return cls(
            var_dir=var_dir,
            database_url=database_url,
            redis_url=env.get("PORTAL_REDIS_URL") or None,
            secret_key=env.get("PORTAL_SECRET_KEY") or _stored_secret(var_dir),
            public_url=public_url,
            host=host,
            port=port,
            default_language=language,
            workers=int(env.get("PORTAL_WORKERS") or 1),
            refresh_seconds=float(env.get("PORTAL_REFRESH_SECONDS") or 5),
            trusted_proxies=proxies,
            allowed_hosts=allowed_hosts,
            redis_namespace=env.get("PORTAL_REDIS_NAMESPACE") or "portal",
            debug=_flag(env.get("PORTAL_DEBUG"), "PORTAL_DEBUG"),
            log_format=log_format,
            metrics_token=env.get("PORTAL_METRICS_TOKEN") or None,
            metrics_allow=metrics_allow,
        )


def _flag(value: str | None, name: str) -> bool:
    """An on/off setting: 1, true, yes, on or 0, false, no, off (unset or empty: off); anything else is refused."""
    text = (value or "").strip().lower()
    if text in ("", "0", "false", "no", "off"):
        return False
    if text in ("1", "true", "yes", "on"):
        return True
    raise ValueError(f"{name} must be 1 or 0 (true/false, yes/no, on/off)")


def _check_networks(values: tuple[str, ...]) -> None:
    """Each PORTAL_METRICS_ALLOW entry is an address or a network (10.0.0.0/8); refused at start-up otherwise."""
    import ipaddress

    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise ValueError(f"PORTAL_METRICS_ALLOW: {value!r} is not an address or a network") from None


def _reachable(host: str) -> str:
    """The host part of the default public URL: a wildcard listen address is not one a phone can open, so it
    falls back to 127.0.0.1 (set PORTAL_PUBLIC_URL for real use); an IPv6 address gets its brackets."""
    if host in ("0.0.0.0", "::", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def _stored_secret(var_dir: Path) -> str:
    """Return the secret kept under var/, generating it (256 bits, mode 0600) on first use."""
    path = var_dir / "secret_key"
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another worker wrote it first
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
    return path.read_text().strip()
