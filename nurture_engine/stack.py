"""The processes of the embedded stack and the environment they share (used by `nurture up` and tests)."""

from __future__ import annotations

import secrets
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .bootstrap import resolve_database_url, resolve_sqlite
from .config import Settings

RASA_PORT, ACTION_PORT, SERVE_PORT = 5005, 5055, 8000
TOKEN_VARS = ("NURTURE_ADMIN_TOKEN", "NURTURE_ACTION_TOKEN", "RASA_TOKEN")


def bin_path(name: str) -> str:
    """A console script of this virtualenv (rasa, nurture)."""
    return str(Path(sys.executable).with_name(name))


def ensure_tokens(env: dict[str, str], var_dir: Path) -> list[str]:
    """Fill unset tokens from var/secrets.env, generating (and keeping) random ones on first run."""
    secrets_file = var_dir / "secrets.env"
    stored: dict[str, str] = {}
    if secrets_file.exists():
        for line in secrets_file.read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition("=")
            if key and value:
                stored[key.strip()] = value.strip()
    generated = []
    for var in TOKEN_VARS:
        if env.get(var):
            continue
        if var not in stored:
            stored[var] = secrets.token_urlsafe(24)
            generated.append(var)
        env[var] = stored[var]
    if generated:
        var_dir.mkdir(parents=True, exist_ok=True)
        secrets_file.write_text("".join(f"{k}={v}\n" for k, v in stored.items()), encoding="utf-8")
        secrets_file.chmod(0o600)
    return generated


def stack_env(settings: Settings, base: Mapping[str, str], *, action_port: int = ACTION_PORT,
              serve_port: int = SERVE_PORT) -> dict[str, str]:
    """Environment for Rasa (endpoints.yml interpolation), the action server and the service."""
    env = {k: v for k, v in base.items() if v != ""}  # empty means unset, as in load_settings
    env.setdefault("NURTURE_HOME", str(settings.root))
    env.setdefault("NURTURE_ACTION_URL", f"http://127.0.0.1:{action_port}/webhook")
    env.setdefault("NURTURE_SERVICE_URL", f"http://127.0.0.1:{serve_port}")  # Rasa forwards sales clicks here
    env.setdefault("NURTURE_TRACKER_URL", "sqlite:///" + str(settings.var_dir / "rasa_tracker.db"))
    env["NURTURE_DATABASE_URL"] = resolve_database_url(settings)
    env["NURTURE_EVENTS_URL"] = resolve_sqlite(env.get("NURTURE_EVENTS_URL", settings.events_url), settings.root)
    env.setdefault("NURTURE_ENDPOINTS", str(settings.root / "bot" / "endpoints.yml"))
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")  # no reports to third parties
    return env


@dataclass(frozen=True, kw_only=True)
class ProcessSpec:
    name: str
    argv: list[str]
    health_url: str


def stack_processes(settings: Settings, *, model: Path, rasa_port: int = RASA_PORT,
                    action_port: int = ACTION_PORT, serve_port: int = SERVE_PORT,
                    cors: tuple[str, ...] = ()) -> list[ProcessSpec]:
    root = settings.root
    # NURTURE_CORS_ORIGINS (settings.cors_origins) names the sites that embed the widget; default: this service
    origins = cors or settings.cors_origins or (f"http://localhost:{serve_port}", f"http://127.0.0.1:{serve_port}")
    # `rasa run` through nurture_engine.rasa_boot: cheaper action calls and SQLite writes, same behaviour
    rasa = [sys.executable, "-m", "nurture_engine.rasa_boot", "run", "--enable-api",
            "--auth-token=${RASA_TOKEN}", "--model", str(model),  # one argument: a token may begin with "-"
            "--credentials", str(root / "bot/credentials.yml"), "--endpoints", "${NURTURE_ENDPOINTS}",
            "--port", str(rasa_port), "--interface", "127.0.0.1", "--cors", *origins]
    return [
        ProcessSpec(name="actions", argv=[bin_path("nurture"), "actions", "--port", str(action_port)],
                    health_url=f"http://127.0.0.1:{action_port}/health"),
        ProcessSpec(name="rasa", argv=rasa, health_url=f"http://127.0.0.1:{rasa_port}/"),
        ProcessSpec(name="serve", argv=[bin_path("nurture"), "serve", "--port", str(serve_port)],
                    health_url=f"http://127.0.0.1:{serve_port}/api/health"),
    ]
