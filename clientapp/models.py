"""Every model module, imported in one place so the metadata (and Alembic) sees all tables."""
from .auth.models import LoginAttempt, PasswordReset, User, UserSession  # noqa: F401
from .clients.models import Client  # noqa: F401
from .projects.models import Assignment, Project  # noqa: F401
from .staff.models import StaffMember  # noqa: F401
from .imports import models  # noqa: F401  import jobs, rows, issues
from .contacts.models import Contact  # noqa: F401
from .activity.models import Event  # noqa: F401
from .teams.models import ClientTeamMember, ProjectTeamChange, ProjectTeamMember  # noqa: F401
from .discussions.models import Message, ReadMark  # noqa: F401
from .documents.models import Document, StoredFile  # noqa: F401
from .defaults.models import (ClientDefaults, Exclusion, FieldReportTemplate,  # noqa: F401
                              ProjectSettings)
