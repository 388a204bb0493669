"""The merchant's home page (``portal:home``), complaints panel: the merchant's open complaints and up to three
published help articles, the most helpful first — its own complaints only, in both languages, in the same number
of queries whatever the data."""

import itertools

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from acquirer import roles
from complaints.models import Complaint
from complaints.services import help as help_svc
from tests.complaints.factories import move_to, portal_complaint

_seq = itertools.count(1)


def home(client, language="en"):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    return response.content.decode()


def open_figure(page: str) -> str:
    block = page.split('data-figure="open-complaints"', 1)[1]
    return block.split("</a>", 1)[0].rsplit(">", 1)[1].strip()


def article(users, title, *, published=True, votes=()):
    n = next(_seq)
    made = help_svc.article_create(actor=users[roles.CUSTOMER_SERVICE], slug=f"home-{n}", topic="daily_use",
                                   title_zh=f"中文{title}", title_en=title, body_zh="正文", body_en="Text",
                                   published=published)
    for voter in votes:
        help_svc.article_vote(actor=users[voter], article=made, helpful=True)
    return made


@pytest.mark.django_db
def test_open_complaints_count_moves_and_links_to_the_list(users, clients):
    page = home(clients["merchant_a"])
    assert open_figure(page) == "0"
    assert f'{reverse("portal:complaint-list")}?status=open' in page
    first = portal_complaint(users["merchant_a"])
    portal_complaint(users["merchant_a"])
    assert open_figure(home(clients["merchant_a"])) == "2"
    move_to(first, Complaint.Status.REJECTED, staff=users[roles.CUSTOMER_SERVICE])
    assert open_figure(home(clients["merchant_a"])) == "1"


@pytest.mark.django_db
def test_three_most_helpful_published_articles_are_suggested(users, clients):
    article(users, "Printing a receipt again", votes=["merchant_a"])
    best = article(users, "Changing the paper roll", votes=["merchant_a", "merchant_b"])
    article(users, "Settlement times explained", votes=["merchant_b"])
    article(users, "Reading your statement")
    article(users, "A draft nobody may read yet", published=False, votes=())
    page = home(clients["merchant_a"])
    suggested = page.split('data-list="suggested-articles"', 1)[1].split("</ul>", 1)[0]
    assert suggested.count("<li>") == 3
    assert suggested.index("Changing the paper roll") < suggested.index("Printing a receipt again")
    assert reverse("portal:help-article", args=[best.slug]) in suggested
    assert "draft" not in suggested and "Reading your statement" not in suggested
    assert reverse("portal:help-home") in page


@pytest.mark.django_db
def test_merchant_b_never_sees_merchant_a_complaints(users, clients):
    portal_complaint(users["merchant_a"])
    portal_complaint(users["merchant_a"])
    assert open_figure(home(clients["merchant_a"])) == "2"
    assert open_figure(home(clients["merchant_b"])) == "0"


@pytest.mark.django_db
def test_both_languages_render(users, clients):
    article(users, "Changing the paper roll", votes=["merchant_a"])
    assert "Changing the paper roll" in home(clients["merchant_a"], "en")
    page = home(clients["merchant_a"], "zh-hans")
    assert 'lang="zh-hans"' in page and "中文Changing the paper roll" in page


@pytest.mark.django_db
def test_home_page_queries_do_not_grow_with_complaints_and_articles(users, clients):
    client = clients["merchant_a"]

    def grow(n):
        for i in range(n):
            portal_complaint(users["merchant_a"])
            article(users, f"Article {i}", votes=["merchant_a"] if i % 2 else ())

    grow(2)
    home(client)  # warm
    with CaptureQueriesContext(connection) as small:
        home(client)
    grow(8)
    with CaptureQueriesContext(connection) as large:
        home(client)
    assert len(large) == len(small)
