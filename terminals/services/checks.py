"""What the lifecycle and parameter services share: refusals tied to a form field, the terminal row lock and
the cleaning of free text and notes."""

from django.utils.translation import gettext as _

from acquirer.exceptions import DomainError
from terminals.models import Terminal


class LifecycleError(DomainError):
    """A refusal that belongs next to one form field (``field``), or to the whole form (None)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class LifecycleErrors(LifecycleError):
    """Several refusals found together (``errors``, each next to its own field), so that a person sees every
    problem of a submission at once instead of one per attempt."""

    def __init__(self, errors: list[LifecycleError]):
        super().__init__(" ".join(str(error) for error in errors))
        self.errors = list(errors)


def raise_all(problems: list[LifecycleError]) -> None:
    """Raise the problems found, if any: one as itself, several together."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise LifecycleErrors(problems)



def lock_terminal(terminal: Terminal) -> Terminal:
    """The terminal row, locked for the move (with its merchant and model)."""
    return (Terminal.objects.select_for_update(of=("self",)).select_related("merchant", "model")
            .get(pk=terminal.pk))


def clean_text(value, *, limit: int) -> str:
    return (value or "").strip()[:limit]


def clean_note(note) -> str:
    """A note of at least 3 characters (a reason people read in the history)."""
    note = clean_text(note, limit=2000)
    if len(note) < 3:
        raise LifecycleError(_("Please give a note of at least 3 characters."), "note")
    return note
