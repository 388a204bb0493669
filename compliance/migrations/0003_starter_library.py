"""The starter regulatory library: four frameworks with their requirement trees (texts in our own words, in Chinese
and English), the controls that meet them (each naming the evidence expected and, for a feature of this portal, the
live page that shows it: ``compliance/sources.py``) and two checklist templates. Staff edit all of it later: running
this again (tests re-load it after a flush) adds what is missing and changes nothing that exists."""

from datetime import date

from django.db import migrations

# code, kind, name zh, name en, issuer, version, effective, description
FRAMEWORKS = [
    ("pboc-acquiring", "regulation", "银行卡收单业务管理办法", "PBOC bank-card acquiring measures",
     "中国人民银行 People's Bank of China", "2013 No. 9", date(2013, 11, 1),
     "Duties of an acquirer towards its merchants, terminals, transactions and settlement."),
    ("pci-dss", "standard", "支付卡行业数据安全标准（第3、7、8、10章）", "PCI DSS v4.0.1 (requirements 3, 7, 8, 10)",
     "PCI Security Standards Council", "4.0.1", date(2024, 6, 1),
     "The parts of the card-data security standard that this back office touches: stored card data, access, "
     "authentication and audit logs."),
    ("aml-cdd", "regulation", "反洗钱：客户身份识别与资料保存", "AML customer due diligence and record keeping",
     "中国人民银行 People's Bank of China", "2024", date(2025, 1, 1),
     "Knowing the merchant and its beneficial owners, keeping the records, reporting large and suspicious "
     "transactions."),
    ("pipl", "regulation", "个人信息保护法（商户数据）", "Personal information protection (merchant data)",
     "全国人大常委会 NPC Standing Committee", "2021", date(2021, 11, 1),
     "Duties when handling the personal information in merchant files: purpose, security, access and retention."),
]

# framework code -> [(reference, parent reference, title zh, title en, text zh, text en, applicability)]
REQUIREMENTS = {
    "pboc-acquiring": [
        ("ACQ 1", "", "商户管理", "Merchant management", "", "", "applies"),
        ("ACQ 1.1", "ACQ 1", "商户实名制与身份核实", "Merchant real-name verification",
         "签约前核实商户主体资格、营业执照、法定代表人身份和经营场所，确保商户真实存在。",
         "Before signing, verify the merchant's legal existence, business licence, legal representative and "
         "premises, so that every merchant is real and identified.", "applies"),
        ("ACQ 1.2", "ACQ 1", "书面收单协议", "Written merchant agreement",
         "与每个商户签订书面协议，明确费率、结算、风险责任、终止条件等双方权利义务。",
         "Sign a written agreement with every merchant stating fees, settlement, risk duties and termination.",
         "applies"),
        ("ACQ 1.3", "ACQ 1", "风险评级与现场检查", "Risk rating and on-site inspection",
         "按风险对商户分级，定期开展现场检查，高风险商户检查频率更高。",
         "Rate every merchant by risk and inspect its premises periodically, high-risk merchants more often.",
         "applies"),
        ("ACQ 1.4", "ACQ 1", "商户档案保存", "Merchant files kept",
         "商户资料和检查记录在关系终止后至少保存五年。",
         "Keep merchant files and inspection records for at least five years after the relationship ends.",
         "applies"),
        ("ACQ 2", "", "交易与风险管理", "Transactions and risk", "", "", "applies"),
        ("ACQ 2.1", "ACQ 2", "交易监测", "Transaction monitoring",
         "对收单交易进行实时和事后监测，及时发现和处置可疑交易与欺诈。",
         "Monitor acquired transactions as they happen and afterwards, and act on suspicious or fraudulent ones.",
         "applies"),
        ("ACQ 2.2", "ACQ 2", "受理终端管理", "Terminal management",
         "登记每台终端的商户和安装地点，控制参数变更，防止终端被移机或冒用。",
         "Register each terminal's merchant and location, control parameter changes and prevent moved or misused "
         "terminals.", "applies"),
        ("ACQ 2.3", "ACQ 2", "结算账户管理", "Settlement account",
         "资金只结算至经核实的商户本人账户；账户变更须重新核实。",
         "Settle only to the merchant's own verified account; verify every change of account again.", "applies"),
        ("ACQ 2.4", "ACQ 2", "交易记录保存", "Transaction records kept",
         "收单交易记录至少保存五年，并可及时调阅。",
         "Keep transaction records for at least five years and retrieve them promptly.", "applies"),
    ],
    "pci-dss": [
        ("PCI DSS 3", "", "保护存储的账户数据", "Protect stored account data", "", "", "applies"),
        ("PCI DSS 3.3", "PCI DSS 3", "授权后不保存敏感认证数据", "No sensitive authentication data after authorisation",
         "本系统不接收也不保存磁道、卡验证码或PIN数据。",
         "This back office neither receives nor keeps track data, card verification codes or PIN data.", "partly"),
        ("PCI DSS 3.4", "PCI DSS 3", "显示时屏蔽卡号", "PAN masked when displayed",
         "页面、导出和报表最多显示卡号前六位和后四位。",
         "Screens, exports and reports show at most the BIN and the last four digits of a card number.",
         "applies"),
        ("PCI DSS 3.5", "PCI DSS 3", "存储卡号不可读", "PAN unreadable wherever stored",
         "存储时只保留卡BIN、后四位和带密钥的令牌，不保存完整卡号。",
         "Store only the BIN, the last four digits and a keyed token, never the full card number.", "applies"),
        ("PCI DSS 7", "", "按业务需要限制访问", "Restrict access by business need to know", "", "", "applies"),
        ("PCI DSS 7.2", "PCI DSS 7", "按角色分配最小权限", "Least privilege by role",
         "按岗位角色授予访问权限，只给工作需要的权限。",
         "Grant access through job roles, with only the rights each job needs.", "applies"),
        ("PCI DSS 7.2.4", "PCI DSS 7", "每六个月复核账户与权限", "Accounts and access reviewed every six months",
         "至少每六个月复核所有用户账户及其权限，及时撤销不再需要的权限。",
         "Review every user account and its access at least every six months and revoke what is no longer "
         "needed.", "applies"),
        ("PCI DSS 8", "", "识别用户并验证访问", "Identify users and authenticate access", "", "", "applies"),
        ("PCI DSS 8.2.6", "PCI DSS 8", "停用闲置账户", "Inactive accounts disabled",
         "90天内未使用的账户予以停用。", "Disable accounts that have not been used within 90 days.", "applies"),
        ("PCI DSS 8.3.4", "PCI DSS 8", "多次失败后锁定", "Lockout after repeated failures",
         "连续失败不超过10次即锁定账户，至少30分钟或经身份确认后解锁。",
         "Lock an account after no more than 10 failed attempts, for at least 30 minutes or until the person's "
         "identity is confirmed.", "applies"),
        ("PCI DSS 8.3.6", "PCI DSS 8", "密码长度与复杂度", "Password length and complexity",
         "密码至少12个字符，同时包含字母和数字。",
         "Passwords have at least 12 characters and contain both letters and digits.", "applies"),
        ("PCI DSS 8.4", "PCI DSS 8", "多因素认证", "Multi-factor authentication",
         "访问持卡人数据环境和管理功能须使用多因素认证。",
         "Access to the cardholder data environment and to administration uses multi-factor authentication.",
         "applies"),
        ("PCI DSS 10", "", "记录并监控所有访问", "Log and monitor all access", "", "", "applies"),
        ("PCI DSS 10.2", "PCI DSS 10", "审计日志记录用户操作", "Audit logs record user actions",
         "审计日志记录每个人的操作：谁、做了什么、对象、时间和来源。",
         "Audit logs record each person's actions: who, what, on which object, when and from where.", "applies"),
        ("PCI DSS 10.3", "PCI DSS 10", "审计日志防篡改", "Audit logs protected",
         "审计日志只能追加，任何修改都能被发现。",
         "Audit logs are append-only and any change to them can be detected.", "applies"),
        ("PCI DSS 10.5", "PCI DSS 10", "日志保存期限", "Audit log retention",
         "审计日志至少保存12个月，其中最近3个月可立即查阅。",
         "Keep audit logs for at least 12 months, the latest three months immediately available.", "applies"),
    ],
    "aml-cdd": [
        ("AML 1", "", "客户尽职调查", "Customer due diligence", "", "", "applies"),
        ("AML 1.1", "AML 1", "识别并核实商户身份", "Identify and verify the merchant",
         "建立业务关系时识别商户身份，并以可靠、独立的资料核实。",
         "Identify the merchant when the relationship starts and verify it with reliable, independent documents.",
         "applies"),
        ("AML 1.2", "AML 1", "识别受益所有人", "Beneficial owners identified",
         "识别并核实商户的受益所有人和实际控制人。",
         "Identify and verify the merchant's beneficial owners and the people who control it.", "applies"),
        ("AML 1.3", "AML 1", "持续尽职调查", "Ongoing due diligence",
         "资料变更或证件过期时重新核实，持续关注商户交易与身份是否相符。",
         "Verify again when information changes or documents expire, and keep checking that trading matches the "
         "merchant's profile.", "applies"),
        ("AML 1.4", "AML 1", "高风险商户强化尽调", "Enhanced due diligence for high risk",
         "对高风险商户采取强化措施，并由管理层批准继续合作。",
         "Apply enhanced measures to high-risk merchants, with management approval to continue.", "applies"),
        ("AML 2", "", "资料与记录保存", "Record keeping", "", "", "applies"),
        ("AML 2.1", "AML 2", "身份资料保存", "Identification records kept",
         "客户身份资料在业务关系结束后至少保存五年。",
         "Keep customer identification records for at least five years after the relationship ends.",
         "applies"),
        ("AML 2.2", "AML 2", "交易记录保存", "Transaction records kept for AML",
         "交易记录在交易结束后至少保存五年，足以重现每笔交易。",
         "Keep transaction records for at least five years after each transaction, enough to reconstruct it.",
         "applies"),
        ("AML 3", "", "大额与可疑交易报告", "Large and suspicious transaction reports", "", "", "applies"),
        ("AML 3.1", "AML 3", "大额交易报告", "Large-value transaction reports",
         "按规定标准和时限报告大额交易。",
         "Report large-value transactions by the set thresholds and deadlines.", "partly"),
        ("AML 3.2", "AML 3", "可疑交易报告", "Suspicious transaction reports",
         "发现可疑交易及时分析并报告，不得向商户泄露。",
         "Analyse and report suspicious transactions promptly, without tipping off the merchant.", "applies"),
    ],
    "pipl": [
        ("PIPL 1", "", "合法处理", "Lawful processing", "", "", "applies"),
        ("PIPL 1.1", "PIPL 1", "目的限定与最小必要", "Purpose limitation and minimum necessary",
         "只为签约、风控和监管目的收集商户相关个人信息，且限于必要范围。",
         "Collect personal information in merchant files only for contracting, risk and regulatory purposes, and "
         "no more than needed.", "applies"),
        ("PIPL 1.2", "PIPL 1", "告知", "Notice",
         "收集前告知处理目的、方式、保存期限和权利行使方式。",
         "Before collecting, tell people the purpose, the means, the retention period and how to exercise their "
         "rights.", "applies"),
        ("PIPL 2", "", "安全保护措施", "Security measures", "", "", "applies"),
        ("PIPL 2.1", "PIPL 2", "加密与去标识化", "Encryption and masking",
         "证件文件加密存储，页面上对证件号、手机号等进行屏蔽显示。",
         "Store identity documents encrypted and mask identity numbers and phone numbers on screen.", "applies"),
        ("PIPL 2.2", "PIPL 2", "访问控制", "Access control",
         "按岗位授权访问个人信息，商户只能看到本商户的数据。",
         "Give access to personal information by job role; a merchant sees only its own data.", "applies"),
        ("PIPL 2.3", "PIPL 2", "访问留痕", "Access logged",
         "查看和下载个人信息文件的操作留有记录。",
         "Viewing and downloading files with personal information is recorded.", "applies"),
        ("PIPL 3", "", "保存与删除", "Retention and deletion", "", "", "applies"),
        ("PIPL 3.1", "PIPL 3", "保存期限", "Retention period",
         "保存期限为实现目的和法定要求所必需的最短时间。",
         "Keep personal information no longer than the purpose and the law require.", "applies"),
        ("PIPL 3.2", "PIPL 3", "到期删除", "Deletion when no longer needed",
         "目的已实现或保存期满后删除或匿名化，法律要求保留的除外。",
         "Delete or anonymise when the purpose is met or the period ends, unless the law requires keeping it.",
         "applies"),
    ],
}

# code, kind, name zh, name en, evidence kind, source, description, requirement references (framework, reference)
CONTROLS = [
    ("merchant-kyc", "both", "商户准入审核", "Merchant onboarding review", "record", "merchants",
     "Each application is reviewed against its documents before approval; documents with an expiry are tracked.",
     [("pboc-acquiring", "ACQ 1.1"), ("aml-cdd", "AML 1.1"), ("aml-cdd", "AML 1.2"), ("aml-cdd", "AML 1.3")]),
    ("onsite-inspection", "both", "按风险评级现场检查", "On-site inspection by risk rating", "record", "inspections",
     "Inspections are planned from each merchant's risk rating; overdue inspections show on the list.",
     [("pboc-acquiring", "ACQ 1.3"), ("aml-cdd", "AML 1.4")]),
    ("merchant-contract", "procedure", "书面商户协议", "Signed merchant contracts", "document", "merchants",
     "Every active merchant has a countersigned contract in its file.", [("pboc-acquiring", "ACQ 1.2")]),
    ("transaction-monitoring", "system", "交易风险监测", "Transaction risk monitoring", "record", "risk_cases",
     "Risk rules raise cases that analysts work and, where needed, report.",
     [("pboc-acquiring", "ACQ 2.1"), ("aml-cdd", "AML 3.2")]),
    ("terminal-register", "system", "终端登记与健康监测", "Terminal register and health", "record", "terminals",
     "Every terminal is registered to a merchant and address; health flags show moved or silent terminals.",
     [("pboc-acquiring", "ACQ 2.2")]),
    ("settlement-reconciliation", "system", "结算对账", "Settlement reconciliation", "report", "recon_breaks",
     "Daily reconciliation finds payouts that differ from the ledger; breaks are worked to resolution.",
     [("pboc-acquiring", "ACQ 2.3")]),
    ("pan-tokenisation", "system", "卡号屏蔽与令牌化", "Card number masking and tokenisation", "screenshot", "",
     "The ledger holds BIN, last four and a keyed token; screens and exports show BIN ****** last four.",
     [("pci-dss", "PCI DSS 3.3"), ("pci-dss", "PCI DSS 3.4"), ("pci-dss", "PCI DSS 3.5"), ("pipl", "PIPL 2.1")]),
    ("role-access", "both", "角色授权与半年复核", "Role-based access and six-monthly review", "report", "users",
     "Access is granted by role; every six months managers confirm or revoke each account's roles.",
     [("pci-dss", "PCI DSS 7.2"), ("pci-dss", "PCI DSS 7.2.4"), ("pipl", "PIPL 2.2")]),
    ("account-security", "system", "账户安全设置", "Account security settings", "screenshot", "users",
     "Lockout after 10 failures, 12-character passwords, multi-factor authentication for staff.",
     [("pci-dss", "PCI DSS 8.3.4"), ("pci-dss", "PCI DSS 8.3.6"), ("pci-dss", "PCI DSS 8.4")]),
    ("inactive-accounts", "system", "停用闲置账户", "Inactive accounts disabled", "record", "jobs",
     "A daily job disables accounts unused for 90 days; its runs are listed with their counts.",
     [("pci-dss", "PCI DSS 8.2.6")]),
    ("audit-trail", "system", "防篡改审计日志", "Tamper-evident audit trail", "record", "jobs",
     "Every change is recorded in an append-only, hash-chained trail whose chain is checked by a scheduled job.",
     [("pci-dss", "PCI DSS 10.2"), ("pci-dss", "PCI DSS 10.3"), ("pipl", "PIPL 2.3")]),
    ("record-retention", "both", "记录保存与备份", "Record retention and backups", "report", "backups",
     "Retention rules per record type, legal holds and verified backups keep records as long as required.",
     [("pci-dss", "PCI DSS 10.5"), ("pboc-acquiring", "ACQ 1.4"), ("pboc-acquiring", "ACQ 2.4"),
      ("aml-cdd", "AML 2.1"), ("aml-cdd", "AML 2.2"), ("pipl", "PIPL 3.1"), ("pipl", "PIPL 3.2")]),
]

# name zh, name en, kind, frequency, framework code or "", requirement framework codes (leaf requirements)
TEMPLATES = [
    ("季度合规自评", "Quarterly self-assessment", "self", "quarterly", "", ["pboc-acquiring", "aml-cdd", "pipl"],
     "PBOC acquiring measures, anti-money-laundering and personal-information duties."),
    ("PCI DSS年度评估", "Annual PCI DSS assessment", "pci_annual", "annual", "pci-dss", ["pci-dss"],
     "PCI DSS requirements 3, 7, 8 and 10 as this back office touches them."),
]


def forwards(apps, schema_editor):
    Framework = apps.get_model("compliance", "Framework")
    Requirement = apps.get_model("compliance", "Requirement")
    Control = apps.get_model("compliance", "Control")
    ChecklistTemplate = apps.get_model("compliance", "ChecklistTemplate")
    frameworks = {}
    for code, kind, zh, en, issuer, version, effective, description in FRAMEWORKS:
        frameworks[code], _created = Framework.objects.get_or_create(code=code, defaults={
            "kind": kind, "name_zh": zh, "name_en": en, "issuer": issuer, "version": version,
            "effective_on": effective, "description": description})
    requirements = {}
    for code, rows in REQUIREMENTS.items():
        for order, (reference, parent, title_zh, title_en, text_zh, text_en, applicability) in enumerate(rows, 1):
            requirements[code, reference], _created = Requirement.objects.get_or_create(
                framework=frameworks[code], reference=reference, defaults={
                    "parent": requirements.get((code, parent)), "title_zh": title_zh, "title_en": title_en,
                    "text_zh": text_zh, "text_en": text_en, "applicability": applicability, "order": order * 10})
    for code, kind, zh, en, evidence, source, description, refs in CONTROLS:
        control, created = Control.objects.get_or_create(code=code, defaults={
            "kind": kind, "name_zh": zh, "name_en": en, "evidence_kind": evidence, "source": source,
            "description": description})
        if created:
            for ref in refs:
                requirements[ref].controls.add(control)
    for zh, en, kind, frequency, framework, codes, scope in TEMPLATES:
        template, created = ChecklistTemplate.objects.get_or_create(name_en=en, defaults={
            "name_zh": zh, "kind": kind, "frequency": frequency, "framework": frameworks.get(framework),
            "scope": scope})
        if created:
            template.requirements.set([requirement for (code, _ref), requirement in requirements.items()
                                       if code in codes and requirement.parent_id is not None])


class Migration(migrations.Migration):
    dependencies = [("compliance", "0002_role_permissions")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
