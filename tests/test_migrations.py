from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from lms.extensions import db


def test_migrations_match_the_models(app):
    """The session database was built by running every migration from empty."""
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert context.get_current_revision() is not None
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_the_seeded_unit_is_marked_as_having_a_placeholder_signatory(tmp_path):
    """Migration 0007 marks the national unit seeded by 0003, so nothing is issued in the name
    of its stand-in signatory (issue 11, item 21)."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from lms.issuers.models import Issuer

    from .conftest import app_config, make_app

    fresh = make_app(app_config("sqlite:///" + str(tmp_path / "fresh.sqlite3")))
    with fresh.app_context():
        upgrade()
        [unit] = db.session.scalars(select(Issuer)).all()
        assert unit.code == "KOMDIGI" and unit.placeholder_signatory is True
        db.engine.dispose()
