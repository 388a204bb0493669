"""Settings package: ``base`` plus one small module per environment.

Pick one with ``DJANGO_SETTINGS_MODULE``: ``acquirer.settings.dev`` (default, the demo),
``acquirer.settings.test`` (pytest) or ``acquirer.settings.prod``.
"""
