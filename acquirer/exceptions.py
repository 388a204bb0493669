"""Domain errors raised by services; views turn them into form errors or messages."""


class DomainError(Exception):
    """A request the business rules refuse. ``str(error)`` is a user-facing, translated message."""


class TransitionNotAllowed(DomainError):
    pass


class NotPermitted(DomainError):
    pass
