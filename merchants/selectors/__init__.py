"""Reads about merchants, one module per subdomain (merchants, blacklist, contracts, documents)."""
