"""Gate matrix samples of the early-warning pages: both take no arguments (every role is checked against the gate
as it is; the figures are counted from whatever the other modules built)."""


def build(ctx) -> None:
    pass


def samples(ctx) -> dict:
    return {}
