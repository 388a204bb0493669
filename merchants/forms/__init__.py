"""Forms of the merchants app, one module per subdomain (merchants, kyc, documents, contracts, signup)."""
