"""The one error an export or a push reports to the operator."""


class ExportError(Exception):
    """What went wrong, in one line a newsroom's operator can act on."""
