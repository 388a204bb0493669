"""The help centre: safe Markdown, bilingual full-text search, suggestions, votes, pages."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from acquirer.exceptions import DomainError, NotPermitted
from acquirer.models import AuditEvent
from complaints.models import Article, ArticleVote
from complaints.selectors import help as help_selectors
from complaints.services import help as help_services

pytestmark = pytest.mark.django_db


def parsed_tags(html: str) -> list[tuple[str, list]]:
    """Every start tag of ``html`` with its attributes, as a browser's parser reads them."""
    tags = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            tags.append((tag, attrs))

    Collector().feed(html)
    return tags


def make_article(actor, slug, *, title_zh="标题", title_en="Title", body_zh="正文", body_en="Text",
                 topic="troubleshooting", published=True):
    return help_services.article_create(actor=actor, slug=slug, topic=topic, title_zh=title_zh, title_en=title_en,
                                        body_zh=body_zh, body_en=body_en, published=published)


@pytest.fixture
def staff(users):
    return users["customer_service"]


@pytest.fixture
def printer_article(staff):
    return make_article(staff, "printer-paper", title_zh="打印机不出纸怎么办", title_en="The printer gives no paper",
                        body_zh="检查纸卷方向，热敏面朝外。", body_en="Check that the paper roll faces the right way.")


# safe Markdown -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("source", [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "<a href=\"javascript:alert(1)\">x</a>",
    "![x](javascript:alert(1))",
])
def test_article_render_makes_script_inert(source):
    html = str(help_services.article_render(source))
    tags = parsed_tags(html)
    assert "<script" not in html.lower() and "<img" not in html.lower()  # any such text is escaped (&lt;...)
    assert {name for name, _ in tags} <= help_services.ALLOWED_TAGS
    attributes = [(key, value or "") for _, attrs in tags for key, value in attrs]
    assert not [key for key, _ in attributes if key.startswith("on")]
    assert not [value for _, value in attributes if "javascript:" in value.lower()]


def test_article_render_keeps_markdown_structure_and_adds_nofollow_to_links():
    html = help_services.article_render("## Steps\n\n1. Open\n2. Close\n\n`code` [site](https://example.com)\n\n"
                                        "| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert "<h2>Steps</h2>" in html
    assert "<ol>" in html and "<code>code</code>" in html and "<table>" in html
    assert 'rel="noopener noreferrer nofollow"' in html


# search ------------------------------------------------------------------------------------------------------------

def test_article_suggest_finds_a_chinese_article_sharing_a_pair_of_characters(users, printer_article, staff):
    make_article(staff, "settlement-time", title_zh="每日结算时间", title_en="Daily settlement time",
                 body_zh="每天二十三点结算。", body_en="Settlement runs at 23:00.", topic="fees")
    found = help_selectors.article_suggest(actor=users["merchant_a"], text="终端无法打印小票")
    assert found == [printer_article]


def test_article_search_matches_english_stems_and_chinese_words(users, printer_article, staff):
    other = make_article(staff, "refund", title_zh="如何退货退款", title_en="How to refund a payment",
                         body_zh="在终端选择退货。", body_en="Choose refund on the terminal menu.")
    merchant = users["merchant_a"]
    assert help_selectors.article_search(actor=merchant, text="printers") == [printer_article]
    assert help_selectors.article_search(actor=merchant, text="纸卷") == [printer_article]
    assert help_selectors.article_search(actor=merchant, text="退款") == [other]
    assert help_selectors.article_search(actor=merchant, text="refund printer") == []  # every term must match


def test_article_titles_rank_above_bodies(users, staff):
    in_body = make_article(staff, "in-body", title_en="Something else", body_en="the receipt printer again")
    in_title = make_article(staff, "in-title", title_en="Receipt printer", body_en="nothing here")
    assert help_selectors.article_suggest(actor=users["merchant_a"], text="printer") == [in_title, in_body]


def test_unpublished_articles_never_reach_merchants(users, staff):
    draft = make_article(staff, "draft", title_en="Secret draft printer", published=False)
    merchant = users["merchant_a"]
    assert help_selectors.article_search(actor=merchant, text="printer") == []
    assert help_selectors.article_suggest(actor=merchant, text="printer") == []
    assert not help_selectors.article_list(actor=merchant).filter(pk=draft.pk).exists()
    assert help_selectors.article_search(actor=staff, text="printer") == [draft]


def test_article_update_reindexes_the_search_vector(users, printer_article, staff):
    help_services.article_update(actor=staff, article=printer_article, title_en="Terminal won't connect",
                                 body_en="Check the SIM card.", title_zh="终端连不上网络", body_zh="检查电话卡。")
    merchant = users["merchant_a"]
    assert help_selectors.article_search(actor=merchant, text="printer") == []
    assert help_selectors.article_search(actor=merchant, text="网络") == [printer_article]
    event = AuditEvent.objects.get(action="article.changed", target_id=str(printer_article.pk))
    assert "title_en" in event.data["fields"]


# writing and publishing ---------------------------------------------------------------------------------------------

def test_article_create_records_an_audit_event(printer_article):
    assert AuditEvent.objects.filter(action="article.created", target_id=str(printer_article.pk)).exists()


def test_article_create_refuses_a_taken_address(staff, printer_article):
    with pytest.raises(DomainError):
        make_article(staff, "printer-paper")


def test_article_create_refuses_users_without_manage_help(users):
    with pytest.raises(NotPermitted):
        make_article(users["compliance_officer"], "nope")
    with pytest.raises(NotPermitted):
        make_article(users["merchant_a"], "nope")


def test_article_publish_and_unpublish_move_the_flag_and_are_audited(staff):
    article = make_article(staff, "faq", published=False)
    help_services.article_publish(actor=staff, article=article)
    article.refresh_from_db()
    assert article.published
    with pytest.raises(DomainError):
        help_services.article_publish(actor=staff, article=article)
    help_services.article_unpublish(actor=staff, article=article)
    article.refresh_from_db()
    assert not article.published
    actions = set(AuditEvent.objects.filter(target_id=str(article.pk)).values_list("action", flat=True))
    assert {"article.published", "article.unpublished"} <= actions


# votes -------------------------------------------------------------------------------------------------------------

def test_article_vote_counts_once_per_person_and_a_changed_vote_moves_the_counts(users, printer_article):
    merchant = users["merchant_a"]
    help_services.article_vote(actor=merchant, article=printer_article, helpful=True)
    help_services.article_vote(actor=merchant, article=printer_article, helpful=True)
    printer_article.refresh_from_db()
    assert (printer_article.helpful_yes, printer_article.helpful_no) == (1, 0)
    help_services.article_vote(actor=merchant, article=printer_article, helpful=False)
    help_services.article_vote(actor=users["merchant_b"], article=printer_article, helpful=False)
    printer_article.refresh_from_db()
    assert (printer_article.helpful_yes, printer_article.helpful_no) == (0, 2)
    assert ArticleVote.objects.filter(article=printer_article).count() == 2


def test_article_vote_refuses_an_unpublished_article(users, staff):
    draft = make_article(staff, "draft", published=False)
    with pytest.raises(DomainError):
        help_services.article_vote(actor=users["merchant_a"], article=draft, helpful=True)


# pages -------------------------------------------------------------------------------------------------------------

def test_ops_article_list_runs_a_constant_number_of_queries(clients, staff, django_assert_max_num_queries):
    for n in range(3):
        make_article(staff, f"few-{n}", title_en=f"Few {n}")
    client = clients["customer_service"]
    client.get(reverse("ops:article-list"))  # warm the session and permission caches
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("ops:article-list"))
    for n in range(12):
        make_article(staff, f"more-{n}", title_en=f"More {n}", published=n % 2 == 0)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("ops:article-list"))
    assert "more-11" in response.content.decode()


def test_ops_article_list_filters_by_search_and_published(clients, staff, printer_article):
    draft = make_article(staff, "draft", title_en="A draft about settlement", published=False)
    page = clients["customer_service"].get(reverse("ops:article-list"), {"q": "settlement", "published": "no"})
    body = page.content.decode()
    assert f'data-article="{draft.pk}"' in body and f'data-article="{printer_article.pk}"' not in body


def test_ops_article_editor_preview_renders_both_languages_and_saves_nothing(clients):
    data = {"slug": "preview-me", "topic": "security", "title_zh": "钓鱼电话", "title_en": "Phishing calls",
            "body_zh": "**不要**透露密码", "body_en": "Never <script>alert(1)</script> tell **anyone**",
            "preview": "1"}
    response = clients["customer_service"].post(reverse("ops:article-create"), data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<strong>不要</strong>" in body and "<strong>anyone</strong>" in body
    assert "<script>alert" not in body
    assert not Article.objects.filter(slug="preview-me").exists()


def test_ops_article_create_page_saves_a_draft_and_publish_makes_it_readable(clients, users):
    data = {"slug": "key-safety", "topic": "security", "title_zh": "密钥安全", "title_en": "Key safety",
            "body_zh": "不要外借终端。", "body_en": "Never lend your terminal."}
    response = clients["customer_service"].post(reverse("ops:article-create"), data)
    article = Article.objects.get(slug="key-safety")
    assert response.status_code == 302 and not article.published
    merchant = clients["merchant_a"]
    assert merchant.get(reverse("portal:help-article", kwargs={"slug": "key-safety"})).status_code == 404
    clients["customer_service"].post(reverse("ops:article-publish", kwargs={"pk": article.pk}))
    page = merchant.get(reverse("portal:help-article", kwargs={"slug": "key-safety"}))
    assert page.status_code == 200 and "不要外借终端" in page.content.decode()


def test_compliance_officer_reads_articles_but_cannot_write(clients, printer_article):
    client = clients["compliance_officer"]
    assert client.get(reverse("ops:article-list")).status_code == 200
    assert client.get(reverse("ops:article-create")).status_code == 403
    assert client.post(reverse("ops:article-unpublish", kwargs={"pk": printer_article.pk})).status_code == 403


def test_portal_help_home_searches_and_lists_most_helpful(clients, users, printer_article):
    help_services.article_vote(actor=users["merchant_b"], article=printer_article, helpful=True)
    client = clients["merchant_a"]
    home = client.get(reverse("portal:help-home")).content.decode()
    most_helpful = home.split('id="help-most-helpful"')[1]
    assert printer_article.title in most_helpful
    found = client.get(reverse("portal:help-home"), {"q": "打印"}).content.decode()
    assert reverse("portal:help-article", kwargs={"slug": "printer-paper"}) in found


def test_portal_vote_posts_by_slug_and_counts(clients, printer_article):
    url = reverse("portal:help-vote", kwargs={"slug": printer_article.slug})
    assert clients["merchant_a"].post(url, {"helpful": "yes"}).status_code == 302
    printer_article.refresh_from_db()
    assert printer_article.helpful_yes == 1
    assert ArticleVote.objects.get(article=printer_article).user.merchant_id is not None


def test_portal_help_suggest_returns_a_fragment_of_at_most_three_published_articles(clients, staff, printer_article):
    for n in range(4):
        make_article(staff, f"printer-{n}", title_zh=f"打印问题{n}", title_en=f"Printing {n}")
    make_article(staff, "printer-draft", title_zh="打印草稿", published=False)
    response = clients["merchant_a"].get(reverse("portal:help-suggest"), {"q": "终端无法打印小票"})
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert body.count("<li>") == 3 and "printer-draft" not in body
    assert clients["merchant_a"].get(reverse("portal:help-suggest")).content.decode().strip() == ""


def test_ops_users_without_view_article_are_refused(clients):
    assert clients["risk_analyst"].get(reverse("ops:article-list")).status_code == 403


def test_seed_help_is_idempotent_and_covers_every_topic_in_both_languages(users, merchant_a, merchant_b):
    from complaints.demo.help import seed_help
    from complaints.models import TrainingSession, TrainingSignup
    from complaints.models.help import Topic

    seed_help(staff=users["customer_service"], merchants=[merchant_a, merchant_b])
    seed_help(staff=users["customer_service"], merchants=[merchant_a, merchant_b])
    published = Article.objects.filter(published=True)
    assert published.count() == 12 and Article.objects.filter(published=False).count() == 1
    assert set(published.values_list("topic", flat=True)) == set(Topic.values)
    assert not published.filter(title_zh="").exists() and not published.filter(body_en="").exists()
    assert TrainingSession.objects.count() == 2
    held = TrainingSession.objects.get(status="held")
    assert set(TrainingSignup.objects.filter(session=held).values_list("attended", flat=True)) == {True, False}
    upcoming = TrainingSession.objects.get(status="scheduled")
    assert TrainingSignup.objects.filter(session=upcoming, cancelled_at__isnull=True).count() == 2
    assert help_selectors.article_suggest(actor=users["merchant_a"], text="小票打印不出来")[0].slug == "printer-paper"
