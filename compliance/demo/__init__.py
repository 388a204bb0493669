"""Compliance demo data (``seed_demo``): each subdomain seeds its part, in order; each part is idempotent."""


def seed(*, password: str, force_password: bool) -> list[tuple[str, str]]:
    logins: list[tuple[str, str]] = []
    return logins
