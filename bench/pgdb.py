"""Throw-away PostgreSQL databases for the benchmarks (NURTURE_BENCH_PG_URL names the admin database)."""

from __future__ import annotations

import os
import uuid

ADMIN_URL = os.environ.get("NURTURE_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _run(sql: str) -> None:
    import psycopg2

    conn = psycopg2.connect(ADMIN_URL)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


def database_url(name: str) -> str:
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def create_database(prefix: str, *, template: str | None = None) -> str:
    """A new empty database (or a copy of `template`); returns its name."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    _run(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return name


def drop_database(name: str) -> None:
    _run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
