"""Evidence photos of terminal work (surveys, installations, deliveries, work orders, tickets): checked by
content (JPEG or PNG: decoded, size-limited and re-encoded without metadata) through ``acquirer.files``,
stored encrypted, and sent — decrypted — only through the core's audited download."""

from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils.translation import gettext as _

from acquirer import files
from acquirer.exceptions import DomainError
from terminals.models import TerminalPhoto

PHOTO_TYPES = ("jpeg", "png")


def check_photos(photos, *, limit: int) -> list:
    """``[(file, info)]`` for the given files (empty entries ignored), or DomainError naming the problem."""
    try:
        return files.check_uploads(photos, allowed=PHOTO_TYPES, limit=limit,
                                   too_many=_("At most %(count)d photos at a time."))
    except ValidationError as error:
        raise DomainError(" ".join(error.messages)) from error


def photo_download(*, actor, photo: TerminalPhoto, action: str, target) -> FileResponse:
    """The photo as an attachment, the download audited as ``action`` on ``target``
    (``acquirer.files.audited_download``). The caller checked that ``actor`` may see it."""
    return files.audited_download(
        actor=actor, stored_name=photo.stored_name, filename=photo.original_name, content_type=photo.content_type,
        action=action, target=target,
        data={"terminal": photo.terminal_id, "photo": photo.pk, "file": photo.original_name, "sha256": photo.sha256})
