"""Staff roles are Django groups. Their names are fixed here; each app's data migration grants its
own permissions to them with :func:`grant` (so ``acquirer`` never depends on a domain app)."""

from django.utils.translation import gettext_lazy as _

ONBOARDING_REVIEWER = "onboarding_reviewer"
FIELD_ENGINEER = "field_engineer"
RISK_ANALYST = "risk_analyst"
CUSTOMER_SERVICE = "customer_service"
CUSTOMER_SERVICE_LEAD = "customer_service_lead"
COMPLIANCE_OFFICER = "compliance_officer"
OPERATIONS_MANAGER = "operations_manager"

ROLES = {
    ONBOARDING_REVIEWER: _("Onboarding reviewer"),
    FIELD_ENGINEER: _("Field engineer"),
    RISK_ANALYST: _("Risk analyst"),
    CUSTOMER_SERVICE: _("Customer service"),
    CUSTOMER_SERVICE_LEAD: _("Customer service team lead"),
    COMPLIANCE_OFFICER: _("Compliance officer"),
    OPERATIONS_MANAGER: _("Operations manager"),
}

# What the core grants (app label "acquirer"). Domain apps grant theirs in their own migrations.
CORE_GRANTS = {
    OPERATIONS_MANAGER: ["view_jobrun", "run_job", "view_user", "manage_users", "view_auditevent", "view_backup",
                         "run_backup", "view_workingdayoverride", "manage_calendar"],
    COMPLIANCE_OFFICER: ["view_jobrun", "view_auditevent", "export_auditevent", "view_backup",
                         "view_workingdayoverride"],
    RISK_ANALYST: ["view_auditevent", "view_workingdayoverride"],
    # every staff role reads the working-day calendar (it sets their due dates); only managers change it
    ONBOARDING_REVIEWER: ["view_workingdayoverride"],
    FIELD_ENGINEER: ["view_workingdayoverride"],
    CUSTOMER_SERVICE: ["view_workingdayoverride"],
    CUSTOMER_SERVICE_LEAD: ["view_workingdayoverride"],
}


def ensure_permissions(apps) -> None:
    """Create the permission rows now (Django normally does it after all migrations)."""
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    for app_config in apps.get_app_configs():
        if getattr(app_config, "models_module", None) is None:
            app_config.models_module = True
            create_contenttypes(app_config, apps=apps, verbosity=0)
            create_permissions(app_config, apps=apps, verbosity=0)
            app_config.models_module = None
        else:
            create_contenttypes(app_config, apps=apps, verbosity=0)
            create_permissions(app_config, apps=apps, verbosity=0)


def grant(apps, app_label: str, grants: dict[str, list[str]]) -> None:
    """Give each role (group) the listed permissions of ``app_label``; creates missing groups."""
    ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role in ROLES:
        Group.objects.get_or_create(name=role)
    for role, codenames in grants.items():
        group = Group.objects.get(name=role)
        perms = list(Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))
        missing = set(codenames) - {p.codename for p in perms}
        if missing:
            raise RuntimeError(f"unknown permissions for {app_label}: {sorted(missing)}")
        group.permissions.add(*perms)


def sync() -> None:
    """Re-apply every app's grants with the live app registry (tests after a flush, seed_demo).

    Each app's ``plugin.py`` points at its grants (``roles=`` its ``roles`` module with ``ROLE_GRANTS``; the core's
    are ``CORE_GRANTS``); found through ``acquirer.registry``, never imported here by name.
    """
    from django.apps import apps as django_apps

    from acquirer.registry import registry

    grants = registry().role_grants()
    grant(django_apps, "acquirer", grants.pop("acquirer", CORE_GRANTS))
    for app_label, app_grants in grants.items():
        grant(django_apps, app_label, app_grants)


def label(role: str) -> str:
    return str(ROLES.get(role, role))
