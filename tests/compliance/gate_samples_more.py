"""Gate matrix samples of the requirement import template (``ops:requirement-import-template``): it takes no
arguments (its format is a query parameter, CSV by default). The list exports are POSTs to the core
``export-create``, sampled by the core."""


def build(ctx) -> None:
    return None


def samples(ctx) -> dict:
    return {}
