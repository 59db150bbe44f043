"""The `tamizdat` command: Django's management commands with Tamizdat's settings.

`tamizdat demo`, `tamizdat serve`, `tamizdat migrate` and every other management command.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tamizdat.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:
        # A misconfigured environment variable: one line naming it, not a traceback.
        sys.exit(f"tamizdat: {error}")


if __name__ == "__main__":
    main()
