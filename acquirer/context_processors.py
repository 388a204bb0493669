from acquirer.access import is_auditor, is_merchant_user, is_staff_user


def shell(request):
    """Navigation area and unread-notification count for the base template (one query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"area": None}
    from acquirer.selectors import notification_unread_count

    if is_staff_user(user):
        area = "ops"
    elif is_auditor(user):
        area = "audit"
    elif is_merchant_user(user):
        area = "portal"
    else:
        area = None
    return {"area": area, "unread_notifications": notification_unread_count(actor=user)}
