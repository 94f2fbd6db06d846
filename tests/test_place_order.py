"""Townships and homes are listed as a clerk's Excel sorts them: by pinyin, numbers by value."""

from __future__ import annotations

from formsvc.places import place_sort_key
from tests.conftest import login, page_text


def test_pinyin_order_with_numbers_by_value():
    names = ["那坡乡", "城关镇", "百色街道", "第42社区", "第4社区", "第10社区"]
    assert sorted(names, key=place_sort_key) == ["百色街道", "城关镇", "第4社区", "第10社区", "第42社区", "那坡乡"]


def test_the_tally_the_sites_page_and_the_posters_follow_it(app, make):
    for township, name in [("那坡乡", "那坡村儿童之家"), ("城关镇", "第42社区儿童之家"), ("城关镇", "第4社区儿童之家"),
                           ("百色街道", "百色社区儿童之家")]:  # fmt: skip
        make.site(name, township=township)
    client = app.test_client()
    login(client, make.user("boss", role="admin"))
    expected = ["百色社区儿童之家", "第4社区儿童之家", "第42社区儿童之家", "那坡村儿童之家"]
    for url in ("/admin/tallies?scope=district&period=2026", "/admin/sites/"):
        text = page_text(client.get(url).data)
        assert sorted(expected, key=text.index) == expected, url
    from formsvc.printables.posters import sites_for_posters

    with app.app_context():
        assert [site.name for site in sites_for_posters()] == expected
