"""Imports every model module, so that metadata (and Alembic) sees every table."""

from formsvc.accounts.models import LoginAttempt, User, user_sites  # noqa: F401
from formsvc.activities.models import Activity, ActivitySeries  # noqa: F401
from formsvc.attendance.models import AdultSignIn, Attendance, Child, ChildCategoryPeriod, Submission  # noqa: F401
from formsvc.audit.models import AuditEntry  # noqa: F401
from formsvc.imports.models import SheetImport  # noqa: F401
from formsvc.privacy.models import Consent, ConsentText  # noqa: F401
from formsvc.sites.models import RetiredSiteToken, Site, Township  # noqa: F401
from formsvc.surveys.models import (  # noqa: F401
    SurveyAnswer,
    SurveyLink,
    SurveyQuestion,
    SurveyResponse,
    SurveyTemplate,
    SurveyVersion,
)
from formsvc.tallies.models import ActivityCount, CategoryVisitYear, VisitYear  # noqa: F401
