"""Every model, imported so the metadata (and Alembic) sees them all."""

from .accounts.models import ConsentEvent, PasswordToken, User  # noqa: F401
from .authoring.models import CourseDraft, CourseVersion  # noqa: F401
from .badges.models import IssuerKey  # noqa: F401
from .catalog.models import (  # noqa: F401
    Course,
    CourseAsset,
    Enrolment,
    Lesson,
    LessonProgress,
    Module,
)
from .certificates.models import AuditEvent, Certificate  # noqa: F401
from .cohorts.models import Cohort, CohortMember, CohortTrainer  # noqa: F401
from .discussions.models import Mute, Post, Report, Thread  # noqa: F401
from .issuers.models import (  # noqa: F401
    Issuer,
    IssuerSequence,
    StoredImage,
    UnitAuthor,  # noqa: F401
)
from .jobs.models import Job  # noqa: F401
from .mail.models import OutboxEmail  # noqa: F401
from .notifications.models import (  # noqa: F401
    Announcement,
    Notification,
    Preference,
    SentReminder,
    SignInCode,
    WhatsAppMessage,
)
from .quizzes.models import Attempt, Quiz  # noqa: F401
from .signing.models import SigningIdentity  # noqa: F401
from .storage import StoredFile  # noqa: F401
from .tasks.models import (  # noqa: F401
    PeerAssignment,
    Task,
    TaskPhoto,
    TaskReview,
    TaskRound,
    TaskWork,
)
