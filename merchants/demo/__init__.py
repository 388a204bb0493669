"""Demo data of the merchants app (``merchants.plugin`` hands ``merchants.demo.merchants.seed`` to the core)."""
