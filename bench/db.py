"""Bench databases on the test server: created, copied from a template, dropped."""

from __future__ import annotations

import os

import psycopg
from psycopg import sql

PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres:postgres@127.0.0.1:5432")
# BENCH_PREFIX lets two benches share a server (each its own databases).
PREFIX = os.environ.get("BENCH_PREFIX", "rec_bench_")


def url(name: str) -> str:
    return f"{PG_URL}/{name}"


def _admin():
    return psycopg.connect(url("postgres"), autocommit=True)


def drop(name: str) -> None:
    assert name.startswith(PREFIX)
    with _admin() as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def create(name: str, template: str | None = None) -> None:
    drop(name)
    query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template:
        query = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(name), sql.Identifier(template)
        )
    with _admin() as conn:
        conn.execute(query)


def exists(name: str) -> bool:
    with _admin() as conn:
        return bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone())


def connect(name: str, **kwargs):
    return psycopg.connect(url(name), **kwargs)
