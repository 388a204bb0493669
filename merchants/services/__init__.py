"""Writes about merchants, one module per subdomain (core, applications, documents, blacklist,
contracts, settlement, inspections)."""

from merchants.services.core import merchant_create, merchant_user_link

__all__ = ["merchant_create", "merchant_user_link"]
