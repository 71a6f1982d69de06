"""REST endpoints of the time bank. Each is one service call; postings take an Idempotency-Key."""

from __future__ import annotations

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from carehub.api.helpers import actor, json_body, page_body, query_args
from carehub.common.errors import Invalid
from carehub.registry.api import body_doc, query_doc
from carehub.timebank import activities, liability, redemption, services
from carehub.timebank import schemas as s

blp = Blueprint("timebank_api", __name__, description="Time bank (时间储蓄)")

KEY_DOC = {
    "in": "header", "name": "Idempotency-Key", "required": False,
    "schema": {"type": "string", "maxLength": 80, "pattern": "^[!-~]+$"},
    "description": "Send the same key again: the first result comes back and nothing is written.",
}  # fmt: skip


def posting_doc(schema=None) -> dict:
    doc = body_doc(schema) if schema else {}
    return doc | {"parameters": [KEY_DOC]}


def key() -> str | None:
    value = request.headers.get("Idempotency-Key")
    if value is None:
        return None
    if not 1 <= len(value) <= 80 or not value.isascii() or not value.isprintable() or " " in value:
        raise Invalid("Idempotency-Key: 1 to 80 printable ASCII characters",
                      {"Idempotency-Key": ["1 to 80 printable ASCII characters"]},
                      code="bad_idempotency_key")  # fmt: skip
    return value


@blp.route("/time-accounts")
class Accounts(MethodView):
    @blp.doc(**query_doc(s.AccountQuery))
    @blp.response(200, s.AccountPage)
    def get(self):
        """Accounts the caller sees: its stations' (coordinators), all (district), its own."""
        return page_body(services.list_accounts(actor(), query_args()))


@blp.route("/time-accounts/<int:account_id>")
class AccountItem(MethodView):
    @blp.response(200, s.AccountOut)
    def get(self, account_id: int):
        return services.account(actor(), account_id)


@blp.route("/time-accounts/<int:account_id>/statement")
class Statement(MethodView):
    @blp.doc(**query_doc(s.StatementQuery))
    @blp.response(200, s.StatementOut)
    def get(self, account_id: int):
        """Lines with a running balance and the chain hashes that prove it."""
        return services.statement(actor(), account_id, query_args())


@blp.route("/time-transactions")
class Transactions(MethodView):
    @blp.doc(**query_doc(s.TransactionQuery))
    @blp.response(200, s.TransactionPage)
    def get(self):
        """Transactions touching the accounts the caller sees, newest first."""
        return page_body(services.list_transactions(actor(), query_args()))


@blp.route("/time-transactions/<int:transaction_id>")
class TransactionItem(MethodView):
    @blp.response(200, s.TransactionOut)
    def get(self, transaction_id: int):
        return services.get_transaction(actor(), transaction_id)


@blp.route("/time-transactions/<int:transaction_id>/reverse")
class Reverse(MethodView):
    @blp.doc(**posting_doc(s.ReverseIn))
    @blp.response(201, s.TransactionOut)
    def post(self, transaction_id: int):
        """Correct a credit, gift or donation with a reversal that points at it."""
        return services.reverse(actor(), transaction_id, json_body(), key())


@blp.route("/time-holds")
class Holds(MethodView):
    @blp.response(200, s.HoldOut(many=True))
    def get(self):
        """Open holds: visits paid in hours, booked and not yet verified or dropped."""
        return services.list_holds(actor())


@blp.route("/time-gifts")
class Gifts(MethodView):
    @blp.doc(**posting_doc(s.GiftIn))
    @blp.response(201, s.TransactionOut)
    def post(self):
        """Give hours to a recorded spouse or direct relative aged 60 or more."""
        return services.gift(actor(), json_body(), key())


@blp.route("/time-donations")
class Donations(MethodView):
    @blp.doc(**posting_doc(s.DonateIn))
    @blp.response(201, s.TransactionOut)
    def post(self):
        """Give hours to a station's pool (default: the account's station)."""
        return services.donate(actor(), json_body(), key())


@blp.route("/time-redemptions")
class Redemptions(MethodView):
    @blp.doc(**posting_doc(s.RedeemIn))
    @blp.response(201, s.RedeemOut)
    def post(self):
        """Book a visit paid in hours; its minutes are held until it is verified or dropped."""
        return redemption.redeem(actor(), json_body(), key())


@blp.route("/time-pool-grants")
class PoolGrants(MethodView):
    @blp.doc(**posting_doc(s.PoolIn))
    @blp.response(201, s.PoolOut)
    def post(self):
        """Grant a station pool's hours to residents, priority elders first."""
        return redemption.allocate_pool(actor(), json_body(), key())


@blp.route("/time-activities")
class Activities(MethodView):
    @blp.response(200, s.ActivityOut(many=True))
    def get(self):
        """Pending activities the caller may see."""
        return activities.list_activities(actor())

    @blp.doc(**body_doc(s.ActivityIn))
    @blp.response(201, s.ActivityOut)
    def post(self):
        """Log a community activity; it stays pending until verified or confirmed."""
        return activities.log_activity(actor(), json_body())


@blp.route("/time-activities/decide")
class Decide(MethodView):
    @blp.doc(**body_doc(s.DecideIn))
    @blp.response(200, s.DecideOut)
    def post(self):
        """Verify (credit) or reject pending activities in bulk; decided ones are skipped."""
        return activities.decide(actor(), json_body())


@blp.route("/time-activities/<int:activity_id>/confirm")
class Confirm(MethodView):
    @blp.doc(**body_doc(s.ConfirmIn))
    @blp.response(200, s.ActivityOut)
    def post(self, activity_id: int):
        """The served resident confirms with the last four of their ID number."""
        return activities.confirm(actor(), activity_id, json_body())


@blp.route("/time-kin")
class KinList(MethodView):
    @blp.doc(**body_doc(s.KinIn))
    @blp.response(201, s.KinOut)
    def post(self):
        """Record a family tie after seeing the documents."""
        return services.record_kin(actor(), json_body())


@blp.route("/time-liability")
class Liability(MethodView):
    @blp.response(200, s.LiabilityOut)
    def get(self):
        """What the district owes in hours, its value, its cover and when it will be claimed."""
        return liability.report(actor())
