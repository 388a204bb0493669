"""The help centre: safe Markdown, bilingual full-text search, suggestions, votes, pages."""

import pytest
from django.urls import reverse

from acquirer.models import AuditEvent
from acquirer.exceptions import DomainError, NotPermitted
from complaints.models import Article, ArticleVote
from complaints.selectors import help as help_selectors
from complaints.services import help as help_services

pytestmark = pytest.mark.django_db


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
    html = str(help_services.article_render(source)).lower()
    assert "<script" not in html
    assert "onerror" not in html
    assert "javascript:" not in html
    assert "<img" not in html


def test_article_render_keeps_markdown_structure_and_adds_nofollow_to_links():
    html = help_services.article_render("## Steps\n\n1. Open\n2. Close\n\n`code` [site](https://example.com)\n\n"
                                        "| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert "<h2>Steps</h2>" in html
    assert "<ol>" in html and "<code>code</code>" in html and "<table>" in html
    assert 'rel="noopener noreferrer nofollow"' in html
