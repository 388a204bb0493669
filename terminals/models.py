"""Filled by a later issue; the app is registered now so the layout is complete."""
