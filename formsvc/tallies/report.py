"""The key-figures paragraph of the district's year-end report, in the words the report uses.

It is written for a Chinese report, so it is Chinese only; the template lives here, in one
place, and is filled from the same Tally the tables show.
"""

from __future__ import annotations

from datetime import date

from formsvc.tallies.services import Tally

KEY_FIGURES_TEMPLATE = (
    "{period}，全区{sites}个儿童之家共开展活动{activities}次，服务儿童{participations}人次（{children}人），"
    "其中留守儿童{left_behind_participations}人次（{left_behind_children}人），"
    "困境儿童{difficult_participations}人次（{difficult_children}人）；"
    "开展家教宣讲{trainings}次，家长参加{training_guardians}人次；"
    "开展志愿服务活动{volunteer_activities}次，志愿者参与{volunteers}人次，儿童参与{volunteer_participations}人次；"
    "开展慰问活动{visits}次，慰问儿童{visit_children}人；"
    "开展节日活动{festivals}次，儿童参与{festival_participations}人次。"
)
_QUARTERS = {1: "一", 2: "二", 3: "三", 4: "四"}


def chinese_period(date_from: date, date_to: date) -> str:
    """2026年, 2026年第四季度, 2026年11月, or 2026年11月1日至2026年11月15日."""
    if date_from.year == date_to.year and date_from.day == 1:
        following = date(date_to.year + (date_to.month == 12), date_to.month % 12 + 1, 1)
        if (following - date_to).days == 1:
            months = date_to.month - date_from.month + 1
            if months == 12:
                return f"{date_from.year}年"
            if months == 3 and date_from.month % 3 == 1:
                return f"{date_from.year}年第{_QUARTERS[date_from.month // 3 + 1]}季度"
            if months == 1:
                return f"{date_from.year}年{date_from.month}月"
    return f"{date_from.year}年{date_from.month}月{date_from.day}日至{date_to.year}年{date_to.month}月{date_to.day}日"


def key_figures_paragraph(tally: Tally) -> str:
    figures = tally.total.figures
    return KEY_FIGURES_TEMPLATE.format(
        period=chinese_period(tally.date_from, tally.date_to),
        sites=tally.total.site_count,
        activities=figures.activities,
        participations=figures.child_participations,
        children=figures.distinct_children,
        left_behind_participations=figures.participations_by_category["left_behind"],
        left_behind_children=figures.children_by_category["left_behind"],
        difficult_participations=figures.participations_by_category["difficult"],
        difficult_children=figures.children_by_category["difficult"],
        trainings=figures.activities_by_kind["parent_training"],
        training_guardians=figures.guardians_by_kind["parent_training"],
        volunteer_activities=figures.activities_by_kind["volunteer"],
        # Volunteers at volunteer activities only: the sentence is about those activities, and a
        # lecture's helpers are counted in the tables, not here.
        volunteers=figures.volunteers_by_kind["volunteer"],
        volunteer_participations=figures.participations_by_kind["volunteer"],
        visits=figures.activities_by_kind["visit"],
        visit_children=figures.children_by_kind["visit"],
        festivals=figures.activities_by_kind["festival"],
        festival_participations=figures.participations_by_kind["festival"],
    )
