"""Demo data of the complaints app (``manage.py seed_demo``): help articles and training first, then
complaints in every state and channel (they suggest and link the articles)."""


def seed(*, password: str, force_password: bool) -> list[tuple[str, str]]:
    return []
