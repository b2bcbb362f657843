import sys

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def worker(burst):
    """Run queued jobs (bulk certificates, ZIPs) from Redis (LMS_REDIS_URL)."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        click.echo("LMS_REDIS_URL is not set: jobs run inline in the web process.", err=True)
        sys.exit(1)
    from redis import Redis
    from rq import Queue, SimpleWorker

    from .services import QUEUE

    connection = Redis.from_url(url)
    # SimpleWorker runs jobs in this process, inside this app context (no fork per job).
    SimpleWorker([Queue(QUEUE, connection=connection)], connection=connection).work(burst=burst)
