"""Demo data for a first start: two townships, six Children's Homes, rosters, today's lecture."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from formsvc.accounts.models import Role
from formsvc.accounts.services import create_user
from formsvc.activities.models import ActivityKind
from formsvc.activities.services import ensure_daily_opening, schedule_activity
from formsvc.attendance.models import Child, ChildStatus, Relation
from formsvc.extensions import db
from formsvc.sites.models import Site, SiteLevel
from formsvc.sites.services import create_site
from formsvc.surveys.defaults import ensure_parent_satisfaction
from formsvc.surveys.services import attach_to_activity
from formsvc.text import name_key
from formsvc.timeutil import local_day_bounds, local_today

DEMO_PASSWORD = "demo-pass-2026"

DEMO_SITES = [
    ("城关镇", "城关镇东门社区儿童之家", "东门社区", SiteLevel.CITY_MODEL),
    ("城关镇", "城关镇新华村儿童之家", "新华村", SiteLevel.STANDARD),
    ("城关镇", "城关镇河西村儿童之家", "河西村", SiteLevel.STANDARD),
    ("那坡乡", "那坡乡那坡村儿童之家", "那坡村", SiteLevel.REGION_MODEL),
    ("那坡乡", "那坡乡百合村儿童之家", "百合村", SiteLevel.STANDARD),
    ("那坡乡", "那坡乡龙湾村儿童之家", "龙湾村", SiteLevel.STANDARD),
]
DEMO_CHILDREN = ["王小明", "李思琪", "黄子轩", "韦丽娟", "覃海燕", "陆一鸣", "蒙佳怡", "农浩然", "䶮儿", "吉𠮷"]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    sites: str


def has_data() -> bool:
    return bool(db.session.execute(select(func.count(Site.id))).scalar())


def seed_demo() -> list[DemoLogin]:
    today = local_today()
    sites = []
    for index, (township, name, village, level) in enumerate(DEMO_SITES):
        site = create_site(township_name=township, name=name, village=village, level=level)
        sites.append(site)
        for offset, child_name in enumerate(DEMO_CHILDREN[index % 3 :] + DEMO_CHILDREN[: index % 3]):
            db.session.add(
                Child(
                    site_id=site.id,
                    name=child_name,
                    name_key=name_key(child_name),
                    status=ChildStatus.ACTIVE,
                    gender="F" if offset % 2 else "M",
                    birth_year=2013 + offset % 6,
                    guardian_relation=Relation.GRANDMOTHER,
                )
            )
        # The demo's day runs around the clock, so whoever tries it at night still sees a
        # working sign-in; real daily openings follow DAILY_OPENS / DAILY_CLOSES.
        daily = ensure_daily_opening(site, today)
        daily.opens_at, daily.closes_at = local_day_bounds(today)
    lecture = schedule_activity(
        sites[0],
        kind=ActivityKind.PARENT_TRAINING,
        title="家庭教育讲座：如何陪伴留守儿童",
        day=today,
        opens="00:00",
        closes="23:59",
        for_guardians=True,
    )
    # The receipt of a guardian's sign-in then offers the ready-made parent survey.
    attach_to_activity(ensure_parent_satisfaction(), lecture, opens_before_close=None)
    schedule_activity(
        sites[3],
        kind=ActivityKind.VOLUNTEER,
        title="周末志愿辅导",
        day=today,
        opens="00:00",
        closes="23:59",
        for_children=True,
        for_volunteers=True,
    )
    create_user(username="admin", password=DEMO_PASSWORD, role=Role.ADMIN, display_name="区妇联管理员")
    create_user(
        username="manager1",
        password=DEMO_PASSWORD,
        role=Role.MANAGER,
        site_ids=[sites[0].id, sites[1].id],
        display_name="东门社区专干",
    )
    create_user(
        username="manager2",
        password=DEMO_PASSWORD,
        role=Role.MANAGER,
        site_ids=[sites[3].id],
        display_name="那坡村妇联主席",
    )
    db.session.flush()
    return [
        DemoLogin("admin", DEMO_PASSWORD, "district admin", "all sites"),
        DemoLogin("manager1", DEMO_PASSWORD, "site manager", f"{sites[0].name}, {sites[1].name}"),
        DemoLogin("manager2", DEMO_PASSWORD, "site manager", sites[3].name),
    ]
