"""Forms of the terminal pages, one module per subdomain (the same split as services, selectors and views)."""
