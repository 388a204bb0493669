"""Evidence photos of terminal work (surveys, installations, deliveries, work orders, tickets): checked by
content (JPEG or PNG: decoded, size-limited and re-encoded without metadata) through ``acquirer.files``,
stored encrypted, and sent — decrypted — only through the core's audited download."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse
from django.utils.translation import gettext as _

from acquirer import files, policy
from acquirer.exceptions import DomainError
from acquirer.models import User
from terminals.models import TerminalPhoto
from terminals.policy import PHOTO_DOWNLOAD

PHOTO_TYPES = ("jpeg", "png")


def check_photos(photos, *, limit: int) -> list:
    """``[(file, info)]`` for the given files (empty entries ignored), or DomainError naming the problem."""
    try:
        return files.check_uploads(photos, allowed=PHOTO_TYPES, limit=limit,
                                   too_many=_("At most %(count)d photos at a time."))
    except ValidationError as error:
        raise DomainError(" ".join(error.messages)) from error


def store_photos(checked, *, actor, folder: str, stored: list, **fields) -> int:
    """Store each checked photo (encrypted, under a random name in ``folder``) with its row, linked by
    ``fields`` (terminal, merchant and the record it documents). Each stored name is appended to ``stored``
    first, so that the caller can :func:`discard_photos` them when its transaction fails."""
    for photo, info in checked:
        name = files.store_upload(photo, folder=folder)
        stored.append(name)
        TerminalPhoto.objects.create(stored_name=name, original_name=(photo.name or "photo")[-200:],
                                     content_type=info.content_type, size=info.size, sha256=info.sha256,
                                     uploaded_by=actor, **fields)
    return len(checked)


def discard_photos(stored: list) -> None:
    """Delete the files of a failed submission (their rows are rolled back with the transaction)."""
    for name in stored:
        files.delete_stored(name)


def photo_download(*, actor, photo: TerminalPhoto, action: str, target) -> FileResponse:
    """The photo as an attachment, the download audited as ``action`` on ``target``
    (``acquirer.files.audited_download``). The caller checked that ``actor`` may see it."""
    return files.audited_download(
        actor=actor, stored_name=photo.stored_name, filename=photo.original_name, content_type=photo.content_type,
        action=action, target=target,
        data={"terminal": photo.terminal_id, "photo": photo.pk, "file": photo.original_name, "sha256": photo.sha256})


@transaction.atomic
def terminal_photo_download(*, actor: User, photo: TerminalPhoto) -> FileResponse:
    """A lifecycle photo as an attachment; the download is audited on its terminal."""
    policy.require(actor, PHOTO_DOWNLOAD, photo)
    return photo_download(actor=actor, photo=photo, action=PHOTO_DOWNLOAD.audit_action,
                          target=photo.terminal or photo)
