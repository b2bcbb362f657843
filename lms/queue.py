"""The background queue: RQ on Redis when LMS_REDIS_URL is set (run by `flask --app lms
worker`), nothing otherwise (callers then do the work inline). Queued calls name a function by
its dotted path and run inside the app."""

import sys
from importlib import import_module

import click
from flask import current_app, has_app_context
from flask.cli import with_appcontext

NAME = "lms"
_app = None


def connection():
    """The Redis connection, or None without LMS_REDIS_URL."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    from redis import Redis

    return Redis.from_url(url)


def enqueue(path: str, *args, timeout: int = 3600) -> bool:
    """Queue `path(*args)` for a worker; False (nothing queued) without Redis."""
    redis = connection()
    if redis is None:
        return False
    from rq import Queue

    Queue(NAME, connection=redis).enqueue_call(
        "lms.queue.call", args=(path, *args), timeout=timeout, result_ttl=0
    )
    return True


def call(path: str, *args) -> None:
    """What the worker runs: `module.function(*args)` inside the app (the `worker` command
    provides the app context; a bare `rq worker` gets an app made from the environment)."""
    module_name, _, name = path.rpartition(".")
    func = getattr(import_module(module_name), name)
    if has_app_context():
        func(*args)
        return
    global _app
    if _app is None:
        from . import create_app

        _app = create_app()
    with _app.app_context():
        func(*args)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def worker_command(burst):
    """Run queued work (bulk certificates, ZIPs, emails) from Redis (LMS_REDIS_URL)."""
    redis = connection()
    if redis is None:
        click.echo("LMS_REDIS_URL is not set: jobs run inline in the web process.", err=True)
        sys.exit(1)
    from rq import Queue, SimpleWorker

    # SimpleWorker runs jobs in this process, inside this app context (no fork per job).
    SimpleWorker([Queue(NAME, connection=redis)], connection=redis).work(burst=burst)
