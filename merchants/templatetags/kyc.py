"""``{% secret obj "legal_rep_id" %}``: the masked value for everyone, and for roles allowed to see it
in clear a small "Reveal" button (a POST to the audited reveal view). The clear value never reaches
the page here."""

from django import template

from merchants.services.secrets import can_reveal, is_revealable

register = template.Library()


@register.inclusion_tag("merchants/shared/_secret_value.html", takes_context=True)
def secret(context, obj, field: str):
    model = obj._meta.model_name
    if not is_revealable(model, field):
        raise template.TemplateSyntaxError(f"{model}.{field} is not a revealable KYC field")
    request = context.get("request")
    user = getattr(request, "user", None)
    masked = getattr(obj, f"{field}_masked", "")
    return {"masked": masked, "model": model, "pk": obj.pk, "field": field,
            "label": obj._meta.get_field(field).verbose_name,
            "can_reveal": bool(masked) and user is not None and can_reveal(user)}


@register.filter
def risk_reason(stored: dict) -> str:
    """A stored risk reason in the reader's language."""
    from merchants.risk import reason_text

    return reason_text(stored)
