"""Evidence photos of terminal work (surveys, installations, deliveries, work orders, tickets): checked by
content (JPEG or PNG: decoded, size-limited and re-encoded without metadata) through ``merchants.uploads``,
stored encrypted, and opened — decrypted — only for an authorised, audited download."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from acquirer import audit
from acquirer.exceptions import DomainError
from merchants import uploads
from terminals.models import TerminalPhoto

PHOTO_TYPES = ("jpeg", "png")


def check_photos(photos, *, limit: int) -> list:
    """``[(file, info)]`` for the given files (empty entries ignored), or DomainError naming the problem."""
    try:
        return uploads.check_uploads(photos, allowed=PHOTO_TYPES, limit=limit,
                                     too_many=_("At most %(count)d photos at a time."))
    except ValidationError as error:
        raise DomainError(" ".join(error.messages)) from error


def open_photo(*, actor, photo: TerminalPhoto, action: str, target):
    """The photo's (file handle, download name, content type); the download is audited as ``action`` on
    ``target``. The caller checked that ``actor`` may see it. The handle yields the decrypted photo; a file
    that fails authentication raises ``acquirer.secrets.SecretError`` before anything is audited or sent."""
    try:
        handle = uploads.open_stored(photo.stored_name)
    except FileNotFoundError as error:
        raise DomainError(_("The photo is missing from storage.")) from error
    try:
        audit.record(action, actor=actor, target=target,
                     data={"terminal": photo.terminal_id, "photo": photo.pk, "file": photo.original_name,
                           "sha256": photo.sha256})
    except BaseException:
        handle.close()
        raise
    return handle, photo.original_name, photo.content_type
