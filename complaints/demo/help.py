"""Demo help centre and training (``complaints.demo.seed`` calls ``seed_help``): a dozen published articles in both
languages across the five topics, one draft, a past session that was held (attendance recorded) and an upcoming
one with sign-ups. Idempotent: articles are found by slug, sessions by their English title."""

from datetime import timedelta

from django.utils import timezone

from acquirer.models import User
from complaints.models import Article, TrainingSession, TrainingSignup
from complaints.services import help as help_svc
from complaints.services import training as training_svc

# slug, topic, title_zh, title_en, body_zh, body_en
ARTICLES = [
    ("first-transaction", "getting_started", "如何完成第一笔交易", "Your first card payment",
     "终端安装并激活后，就可以收款了。\n\n1. 开机并等待屏幕显示“就绪”。\n"
     "2. 选择**消费**，输入金额（单位：元）并按确认键。\n"
     "3. 请顾客插卡、挥卡或刷卡，并在需要时输入密码。\n4. 终端打印商户联和顾客联；请把顾客联交给顾客。\n\n"
     "第一笔交易成功后，请在当天结算后到门户的**交易**页面核对金额。",
     "Once the terminal is installed and active you can take payments.\n\n1. Switch it on and wait for *Ready*.\n"
     "2. Choose **Sale**, enter the amount in yuan and confirm.\n3. Ask the customer to insert, tap or swipe the card "
     "and enter the PIN when asked.\n4. The terminal prints a merchant copy and a customer copy; hand the customer "
     "theirs.\n\nAfter the day's settlement, check the amount on the **Transactions** page of the portal."),
    ("daily-settlement-time", "fees", "每日结算时间", "When the daily settlement runs",
     "终端每天 **23:00** 自动结算当天的交易。结算后的资金在下一个工作日划入您的结算账户；遇到法定节假日顺延。\n\n"
     "如果终端在 23:00 时关机或断网，它会在下次联网时补做结算。请不要在结算进行时关机。",
     "The terminal settles the day's transactions automatically at **23:00**. The money reaches your settlement "
     "account on the next working day; public holidays push it back.\n\nIf the terminal is off or offline at 23:00 "
     "it settles the next time it connects. Do not switch it off while settlement is running."),
    ("printer-paper", "troubleshooting", "打印机不出纸或打印空白怎么办", "The printer gives no paper or prints blank",
     "- 打开纸仓，确认纸卷没有用完。\n"
     "- **热敏纸**只有一面能显色：纸卷应让光滑的一面朝向打印头。打印空白多半是装反了。\n"
     "- 使用宽 57 毫米的热敏纸卷，不要使用普通纸。\n"
     "- 合上盖子时要听到“咔哒”声。\n\n仍然不能打印，请在门户中**报告故障**。",
     "- Open the paper compartment and check the roll is not empty.\n- **Thermal paper** only darkens on one side: "
     "the shiny side must face the print head. Blank receipts almost always mean the roll is in the wrong way.\n"
     "- Use 57 mm thermal rolls, never ordinary paper.\n- Close the lid until it clicks.\n\nStill no print? "
     "**Report a fault** in the portal."),
    ("terminal-wont-connect", "troubleshooting", "终端连不上网络", "The terminal won't connect",
     "1. 查看屏幕上的信号图标：4G 终端请确认 SIM 卡已插好，Wi-Fi 终端请确认路由器正常。\n2. 重启终端（长按电源键）。\n"
     "3. 如果店里网络正常而终端仍显示“通讯失败”，请记下错误代码并报告故障。\n\n**不要**自行拆机或更换 SIM 卡。",
     "1. Look at the signal icon: for a 4G terminal check the SIM card is seated, for Wi-Fi check the router.\n"
     "2. Restart the terminal (hold the power key).\n3. If the shop's network works and the terminal still says "
     "*communication failed*, write down the error code and report a fault.\n\nDo **not** open the terminal or swap "
     "the SIM card yourself."),
    ("refund-how-to", "daily_use", "如何给顾客退款", "How to refund a customer",
     "- **当天的交易**：在结算前选择**撤销**，刷原卡并输入主管密码，交易直接取消，不产生手续费。\n"
     "- **已经结算的交易**：选择**退货**，输入原交易的参考号和金额。退款通常在 3 到 7 个工作日内退回顾客的卡。\n\n"
     "退款金额不能超过原交易金额。请保留退货单据。",
     "- **Same-day sale**: before settlement choose **Void**, present the original card and enter the supervisor "
     "password; the sale is cancelled and no fee is charged.\n- **Settled sale**: choose **Refund** and enter the "
     "original reference number and amount. The money usually reaches the customer's card in 3 to 7 working days.\n\n"
     "A refund cannot exceed the original amount. Keep the refund slip."),
    ("chargebacks", "fees", "什么是拒付（退单）", "What is a chargeback",
     "持卡人向发卡行否认一笔交易时，发卡行会发起**拒付**，资金会先从您的结算款中扣回。\n\n收到拒付通知后，请在通知中规定的期限内"
     "提供交易凭证：签购单、发货记录、顾客签收单等。材料齐全时，拒付经常可以撤销。",
     "When a cardholder disputes a payment with their bank, the bank raises a **chargeback** and the money is taken "
     "back from your settlement.\n\nWhen you receive a chargeback notice, send the evidence within the deadline it "
     "gives: the sales slip, delivery records, the customer's signed receipt. With complete evidence a chargeback is "
     "often reversed."),
    ("phishing-calls", "security", "冒充收单机构的诈骗电话", "Phone scams pretending to be us",
     "我们**绝不会**在电话中索要以下信息：\n\n- 终端的主管密码或操作员密码\n"
     "- 短信验证码\n- 让您“升级终端”而远程操作\n\n"
     "接到这类电话请直接挂断，并通过门户或官方客服热线核实。",
     "We will **never** ask you on the phone for:\n\n- the terminal's supervisor or operator password\n"
     "- a text-message verification code\n- to let someone \"upgrade the terminal\" remotely\n\nHang up on such "
     "calls and check through the portal or our official hotline."),
    ("card-skimming-signs", "security", "如何发现终端被加装盗刷设备", "Signs of card skimming",
     "每天开店前看一看终端：\n\n- 读卡口是否有松动、多出来的部件或胶水痕迹？\n- 键盘是否比平时厚、按键手感是否异常？\n"
     "- 终端的序列号是否与门户“我的终端”一致？\n\n发现异常请立即停止使用该终端并报告故障。",
     "Look at the terminal every morning before opening:\n\n- Is the card slot loose, with an extra part or traces "
     "of glue?\n- Is the keypad thicker than usual, do the keys feel different?\n- Does the serial number match "
     "*My terminals* in the portal?\n\nIf anything looks wrong, stop using the terminal and report a fault at once."),
    ("fee-schedule", "fees", "手续费说明", "Your fees explained",
     "每笔交易的手续费按合同约定的费率计算，从结算款中直接扣除。\n\n| 项目 | 说明 |\n|---|---|\n"
     "| 借记卡 | 按比例收取，可能有封顶 |\n| 贷记卡 | 按比例收取 |\n| 终端租金 | 每月从结算款中扣除 |\n\n"
     "具体费率请在门户的**合同**页面查看。",
     "The fee of each payment is the rate agreed in your contract, deducted from the settlement.\n\n| Item | How |\n"
     "|---|---|\n| Debit cards | a percentage, possibly capped |\n| Credit cards | a percentage |\n"
     "| Terminal rent | deducted monthly from settlement |\n\nYour exact rates are on the **Contracts** page of the "
     "portal."),
    ("settlement-delay", "fees", "结算款为什么晚到", "Why a settlement arrives late",
     "常见原因：\n\n- 遇到周末或法定节假日，资金在下一个工作日到账；\n- 结算账户信息有误或账户被冻结；\n"
     "- 交易被风控部门暂缓结算以便核实。\n\n您可以在门户的**结算**页面查看每一批次的状态。",
     "Common reasons:\n\n- a weekend or public holiday: the money arrives on the next working day;\n- the settlement "
     "account details are wrong or the account is frozen;\n- risk has held the payments for a check.\n\n"
     "The **Settlement** page of the portal shows the status of every batch."),
    ("change-settlement-account", "getting_started", "如何更改结算账户", "Changing the settlement account",
     "更改结算账户需要审核：\n\n1. 在门户的**结算**页面提交新账户；\n2. 上传开户许可证或银行出具的账户证明；\n"
     "3. 审核通过后，新账户从下一个结算批次开始生效。\n\n为了安全，我们会电话回访法人代表确认。",
     "A new settlement account is checked before use:\n\n1. submit it on the **Settlement** page of the portal;\n"
     "2. upload the bank's account certificate;\n3. once approved it is used from the next settlement batch.\n\n"
     "For safety we call the legal representative back to confirm."),
    ("key-safety", "security", "保管好终端和密码", "Keeping the terminal and passwords safe",
     "- 主管密码只告诉店长，员工离职后立即更改；\n"
     "- 收工后把终端放在上锁的地方；\n- 不要把终端借给他人或带离经营场所。\n\n"
     "终端丢失请立即联系我们停用。",
     "- Only the manager knows the supervisor password; change it when an employee leaves.\n- Lock the terminal "
     "away after closing.\n- Never lend the terminal or take it away from the shop.\n\nIf a terminal is lost, call "
     "us at once to block it."),
]
DRAFT = ("qr-payments-draft", "daily_use", "二维码收款（草稿）", "Accepting QR payments (draft)",
         "本文尚在编写中。", "This article is still being written.")
PAST_TITLE = "Getting started with your terminal"
UPCOMING_TITLE = "Spotting fraud at the counter"


def _articles(staff) -> None:
    for slug, topic, title_zh, title_en, body_zh, body_en in [*ARTICLES, DRAFT]:
        if Article.objects.filter(slug=slug).exists():
            continue
        help_svc.article_create(actor=staff, slug=slug, topic=topic, title_zh=title_zh, title_en=title_en,
                                body_zh=body_zh, body_en=body_en, published=slug != DRAFT[0])


def _merchant_user(merchant):
    return User.objects.filter(kind=User.Kind.MERCHANT, merchant_membership__merchant=merchant,
                               is_active=True).first()


def _past_session(staff, merchants) -> None:
    if TrainingSession.objects.filter(title_en=PAST_TITLE).exists():
        return
    starts = timezone.now() - timedelta(days=14)
    # created directly: it lies in the past, which session_create refuses
    session = TrainingSession.objects.create(
        title_zh="终端入门培训", title_en=PAST_TITLE, topic="getting_started", language="zh-hans", starts_at=starts,
        ends_at=starts + timedelta(hours=2), place="上海市浦东新区 客户服务中心 2 楼培训室", capacity=20,
        materials="- 开机与签到\n- 消费、撤销与退货\n- 每日结算", created_by=staff)
    for merchant in merchants:
        TrainingSignup.objects.create(session=session, merchant=merchant,
                                      signed_up_by=_merchant_user(merchant) or staff,
                                      signed_up_at=starts - timedelta(days=5))
    training_svc.session_mark_held(actor=staff, session=session)
    training_svc.training_attendance_record(actor=staff, session=session,
                                            attended_merchant_ids=[merchant.pk for merchant in merchants[:-1]])


def _upcoming_session(staff, merchants) -> None:
    if TrainingSession.objects.filter(title_en=UPCOMING_TITLE).exists():
        return
    starts = (timezone.localtime() + timedelta(days=10)).replace(hour=14, minute=0, second=0, microsecond=0)
    session = training_svc.session_create(
        actor=staff, title_zh="识别柜台前的欺诈", title_en=UPCOMING_TITLE, topic="security", language="zh-hans",
        starts_at=starts, ends_at=starts + timedelta(hours=1, minutes=30), place="线上会议（链接将在开课前一天发送）",
        capacity=30, materials="- 诈骗电话的常见说法\n- 盗刷设备长什么样\n- 发现可疑交易怎么办")
    for merchant in merchants[:2]:
        user = _merchant_user(merchant)
        if user is not None:
            training_svc.training_signup(actor=user, session=session)


def seed_help(*, staff, merchants) -> list[tuple[str, str]]:
    """The demo help centre and training, written by ``staff`` (with manage_help); ``merchants`` sign up."""
    merchants = list(merchants)
    _articles(staff)
    if merchants:
        _past_session(staff, merchants)
        _upcoming_session(staff, merchants)
    return []
