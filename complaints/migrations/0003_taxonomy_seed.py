"""The starter taxonomy (categories with subcategories, root causes) and SLA policies; staff edit them later."""

from django.db import migrations

CATEGORIES = [
    # code, zh, en, terminal fault, subcategories
    ("fees", "费率与手续费", "Fees and rates", False,
     [("fees-wrong-rate", "费率与合同不符", "Rate differs from the contract"),
      ("fees-unexpected", "不明扣费", "Unexpected charge")]),
    ("settlement", "结算延迟", "Settlement delay", False,
     [("settlement-late", "到账晚于约定", "Paid later than agreed"),
      ("settlement-short", "到账金额不符", "Amount paid differs")]),
    ("terminal", "终端故障", "Terminal fault", True,
     [("terminal-hardware", "硬件故障", "Hardware fault"),
      ("terminal-network", "通讯故障", "Connection fault")]),
    ("service", "服务态度", "Service attitude", False, []),
    ("fraud", "疑似欺诈", "Suspected fraud", False, []),
    ("contract", "合同纠纷", "Contract dispute", False, []),
    ("privacy", "个人信息", "Personal data", False, []),
    ("other", "其他", "Other", False, []),
]
ROOT_CAUSES = [
    ("process", "流程缺陷", "Process gap"),
    ("staff", "人员操作失误", "Staff error"),
    ("system", "系统故障", "System fault"),
    ("device", "设备故障", "Device fault"),
    ("third-party", "第三方原因", "Third party"),
    ("misunderstanding", "客户误解", "Misunderstanding"),
    ("no-fault", "经核查无过错", "No fault found"),
]
# (category code or None, priority or "", channel or "", first response hours, resolution hours)
POLICIES = [
    (None, "", "", 8, 45),  # the default: 1 working day to answer, 5 to resolve
    (None, "urgent", "", 2, 18),
    (None, "high", "", 4, 27),
    ("terminal", "", "", 4, 18),
    ("fraud", "", "", 2, 18),
    (None, "", "regulator", 4, 27),
]


def forwards(apps, schema_editor):
    Category = apps.get_model("complaints", "Category")
    RootCause = apps.get_model("complaints", "RootCause")
    SlaPolicy = apps.get_model("complaints", "SlaPolicy")
    for order, (code, zh, en, fault, children) in enumerate(CATEGORIES, start=1):
        parent, _ = Category.objects.get_or_create(
            code=code, defaults={"name_zh": zh, "name_en": en, "terminal_fault": fault, "order": order * 10})
        for n, (child, czh, cen) in enumerate(children, start=1):
            Category.objects.get_or_create(code=child, defaults={"name_zh": czh, "name_en": cen, "parent": parent,
                                                                 "terminal_fault": fault, "order": n})
    for order, (code, zh, en) in enumerate(ROOT_CAUSES, start=1):
        RootCause.objects.get_or_create(code=code, defaults={"name_zh": zh, "name_en": en, "order": order * 10})
    for code, priority, channel, first, resolution in POLICIES:
        category = Category.objects.get(code=code) if code else None
        SlaPolicy.objects.get_or_create(category=category, priority=priority, channel=channel, active=True,
                                        defaults={"first_response_hours": first, "resolution_hours": resolution})


class Migration(migrations.Migration):
    dependencies = [("complaints", "0002_role_permissions")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
