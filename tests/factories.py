"""Builders of valid objects, through the services (so they are audited like real ones)."""

import itertools

from acquirer.models import User
from acquirer.services.accounts import user_create
from merchants.services import merchant_create, merchant_user_link

PASSWORD = "Correct-horse-42"
_seq = itertools.count(1)


def make_user(*, kind: str = User.Kind.STAFF, roles: list[str] | None = None, username: str | None = None,
              password: str = PASSWORD, **fields) -> User:
    username = username or f"user{next(_seq)}"
    return user_create(actor=None, username=username, password=password, kind=kind, roles=roles,
                       email=fields.pop("email", f"{username}@example.test"), **fields)


def make_merchant(name: str | None = None):
    n = next(_seq)
    return merchant_create(actor=None, legal_name=name or f"Merchant {n} Ltd", trading_name=f"Shop {n}")


def make_merchant_user(merchant, *, role: str = "owner", **fields) -> User:
    user = make_user(kind=User.Kind.MERCHANT, **fields)
    merchant_user_link(actor=None, merchant=merchant, user=user, role=role)
    return user
