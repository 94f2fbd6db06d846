"""The ready-made "家长满意度" template.

The migration that creates the survey tables inserts it on every fresh install (with its own
frozen copy of this text, so that it stays valid whatever the models become).
``ensure_parent_satisfaction`` makes it again where it is missing — the demo seed and tests,
which start from emptied tables, use it.
"""

from __future__ import annotations

from sqlalchemy import select

from formsvc.extensions import db
from formsvc.surveys.models import PARENT_SATISFACTION, QuestionKind, SurveyQuestion, SurveyTemplate, SurveyVersion

TITLE_ZH = "家长满意度调查"
TITLE_EN = "Parent satisfaction survey"
INTRO_ZH = "感谢您参加今天的活动！请花一分钟告诉我们您的感受。问卷不记名，点选即可。"
INTRO_EN = (
    "Thank you for coming today! Please take a minute to tell us how it was. "
    "The survey is anonymous; just tap your answers."
)
# key, kind, required, Chinese, English: content, organisation, venue, usefulness, would
# recommend, comments.
QUESTIONS = [
    ("q1", QuestionKind.RATING, True, "您对活动内容满意吗？", "How satisfied are you with the content?"),
    ("q2", QuestionKind.RATING, True, "您对活动的组织安排满意吗？", "How satisfied are you with how it was organised?"),
    ("q3", QuestionKind.RATING, True, "您对活动场地满意吗？", "How satisfied are you with the venue?"),
    (
        "q4",
        QuestionKind.RATING,
        True,
        "活动对您家庭的帮助，您满意吗？",
        "How satisfied are you with how useful it is for your family?",
    ),
    ("q5", QuestionKind.YES_NO, True, "您会推荐其他家长来参加吗？", "Would you recommend it to other parents?"),
    ("q6", QuestionKind.LONG_TEXT, False, "您还有什么意见和建议？", "Any comments or suggestions?"),
]


def parent_satisfaction() -> SurveyTemplate | None:
    return db.session.execute(
        select(SurveyTemplate).where(SurveyTemplate.builtin == PARENT_SATISFACTION).limit(1)
    ).scalar_one_or_none()


def ensure_parent_satisfaction() -> SurveyTemplate:
    """The district's ready-made parent satisfaction template, made if it is missing."""
    template = parent_satisfaction()
    if template is not None:
        return template
    version = SurveyVersion(number=1, title_zh=TITLE_ZH, title_en=TITLE_EN, intro_zh=INTRO_ZH, intro_en=INTRO_EN)
    for position, (key, kind, required, title_zh, title_en) in enumerate(QUESTIONS, 1):
        version.questions.append(
            SurveyQuestion(
                key=key,
                position=position,
                kind=kind,
                title_zh=title_zh,
                title_en=title_en,
                required=required,
                options=[],
            )
        )
    template = SurveyTemplate(site_id=None, builtin=PARENT_SATISFACTION, versions=[version])
    db.session.add(template)
    db.session.flush()
    return template
