"""Public Open Badges documents: credentials by verification code, and each unit's profile,
key set and status list (cacheable)."""

from flask import Blueprint, abort, current_app, jsonify, make_response, request
from sqlalchemy import select

from ..certificates import services as certificates
from ..extensions import db, limiter
from ..issuers.models import Issuer
from ..web import attachment
from . import services

bp = Blueprint("badges", __name__)
JWT_TYPE = "application/vc+jwt"


def _unit(code: str) -> Issuer:
    return db.session.scalar(select(Issuer).where(Issuer.code == code[:30])) or abort(404)


def _public(response, seconds: int):
    response.headers["Cache-Control"] = f"public, max-age={seconds}"
    response.headers["Access-Control-Allow-Origin"] = "*"  # verifiers fetch these
    return response


def verify_limit() -> str:
    return current_app.config["VERIFY_RATE_LIMIT"]


@bp.app_context_processor
def helpers():
    return {"linkedin_url": services.linkedin_url}


@bp.route("/v/<code>/ob3.jwt")
@limiter.shared_limit(verify_limit, scope="verify")
def credential(code):
    certificate = certificates.lookup(code) or abort(404)
    response = make_response(services.credential_jwt(certificate))
    response.content_type = JWT_TYPE
    name = "openbadge-" + certificate.number.replace("/", "-") + ".jwt"
    if "unduh" in request.args:
        response.headers["Content-Disposition"] = attachment(name)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/ob/penerbit/<code>")
def profile(code):
    return _public(jsonify(services.profile(_unit(code))), 3600)


@bp.route("/ob/penerbit/<code>/jwks.json")
def jwks(code):
    return _public(jsonify(services.jwks(_unit(code))), 3600)


@bp.route("/ob/penerbit/<code>/status/<int:number>")
def status_list(code, number):
    unit = _unit(code)
    if number != services.STATUS_LIST:
        abort(404)
    token, etag = services.status_list_jwt(unit)
    response = make_response(token)
    response.content_type = JWT_TYPE
    response.set_etag(etag)
    # Short-lived: a revocation reaches verifiers within five minutes.
    return _public(response.make_conditional(request), 300)
