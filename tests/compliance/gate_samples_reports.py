"""Gate matrix samples of the compliance report pages: they take no arguments (the request itself is a POST to
the core ``export-create``, sampled by the core)."""


def build(ctx) -> None:
    return None


def samples(ctx) -> dict:
    return {}
