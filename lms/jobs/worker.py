"""What the RQ worker runs: each job inside the app (the `worker` command provides the app
context; a bare `rq worker` gets an app made from the environment)."""

from flask import has_app_context

_app = None


def perform(job_id: int) -> None:
    from . import services

    if has_app_context():
        services.run(job_id)
        return
    global _app
    if _app is None:
        from .. import create_app

        _app = create_app()
    with _app.app_context():
        services.run(job_id)


def call(path: str, *args) -> None:
    """Run `module.function(*args)` inside the app (used for queued email deliveries)."""
    from importlib import import_module

    module_name, _, name = path.rpartition(".")
    func = getattr(import_module(module_name), name)
    if has_app_context():
        func(*args)
        return
    global _app
    if _app is None:
        from .. import create_app

        _app = create_app()
    with _app.app_context():
        func(*args)
