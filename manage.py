#!/usr/bin/env python
import os
import sys

# Commands that meet the database in a background thread (where a dead server becomes a traceback and a
# process that hangs on): the connection is checked before they start.
CHECK_DATABASE_FIRST = {"runserver"}


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "acquirer.settings.dev")
    from django.core.management import execute_from_command_line
    from django.db.utils import OperationalError

    try:
        if len(sys.argv) > 1 and sys.argv[1] in CHECK_DATABASE_FIRST and "--help" not in sys.argv:
            import django

            from acquirer.database import check_connection

            django.setup()
            check_connection()
        execute_from_command_line(sys.argv)
    except OperationalError as error:
        # A database that cannot be reached is one line on stderr and exit code 1, not a traceback
        # (unless --traceback asks for it). Any other database error keeps its traceback.
        from django.conf import settings

        from acquirer.database import connection_error_message

        message = connection_error_message(error, settings.DATABASES["default"])
        if message is None or "--traceback" in sys.argv:
            raise
        sys.stderr.write(message + "\n")
        sys.exit(1)


if __name__ == "__main__":
    main()
