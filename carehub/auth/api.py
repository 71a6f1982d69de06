"""Token issue and the caller's own account."""

from __future__ import annotations

from flask import g
from flask.views import MethodView
from flask_smorest import Blueprint

from carehub.api.helpers import actor, json_body
from carehub.auth.services import (
    UserIn,
    change_own_password,
    create_user_as,
    issue_token,
    list_users,
    log_in,
    revoke_token,
    revoke_tokens,
)
from carehub.common import fields, validate
from carehub.common.errors import CareHubError
from carehub.common.schema import Schema, load, text

blp = Blueprint("auth_api", __name__, description="Authentication")


class Credentials(Schema):
    username = text(40, required=True)
    password = fields.String(required=True, validate=validate.Length(max=200))


class UserOut(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    role = fields.String()
    station_ids = fields.Method("_stations")

    def _stations(self, obj) -> list[int]:
        return sorted(obj.station_ids)


class TokenOut(Schema):
    token = fields.String()
    token_type = fields.String()
    expires_at = fields.DateTime()
    user = fields.Nested(UserOut)


class Unauthorized(CareHubError):
    status = 401


@blp.route("/auth/token")
class Token(MethodView):
    @blp.doc(
        security=[],
        requestBody={"required": True, "content": {"application/json": {"schema": Credentials}}},
    )
    @blp.response(201, TokenOut)
    def post(self):
        """Exchange a username and password for a bearer token."""
        data = load(Credentials(), json_body())
        user = log_in(data["username"], data["password"])
        if user is None:
            raise Unauthorized("wrong username or password")
        token, row = issue_token(user)
        return {"token": token, "token_type": "Bearer", "expires_at": row.expires_at, "user": user}

    @blp.response(204)
    def delete(self):
        """Revoke the token this request carries (log out of the API)."""
        revoke_token(g.api_token)


@blp.route("/auth/tokens")
class MyTokens(MethodView):
    @blp.response(204)
    def delete(self):
        """Revoke every token of the caller's account, this one included."""
        revoke_tokens(actor(), actor().id)


@blp.route("/users/<int:user_id>/tokens")
class UserTokens(MethodView):
    @blp.response(204)
    def delete(self, user_id: int):
        """Revoke every token of an account (administrators; anyone for their own)."""
        revoke_tokens(actor(), user_id)


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, UserOut)
    def get(self):
        """The account behind the token."""
        return actor()


class PasswordIn(Schema):
    current_password = fields.String(required=True)
    new_password = fields.String(required=True)


@blp.route("/me/password")
class MyPassword(MethodView):
    @blp.doc(
        requestBody={"required": True, "content": {"application/json": {"schema": PasswordIn}}}
    )
    @blp.response(204)
    def put(self):
        """Set a new password; every session and token of the account ends, this one included."""
        data = load(PasswordIn(), json_body())
        change_own_password(actor(), data["current_password"], data["new_password"])


@blp.route("/users")
class Users(MethodView):
    @blp.response(200, UserOut(many=True))
    def get(self):
        """Accounts (admin)."""
        return list_users(actor())

    @blp.doc(requestBody={"required": True, "content": {"application/json": {"schema": UserIn}}})
    @blp.response(201, UserOut)
    def post(self):
        """Create an account with a role and its stations (admin)."""
        return create_user_as(actor(), json_body())
