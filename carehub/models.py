"""Imports every model so that the metadata (and Alembic) sees all tables."""

from carehub.api import idempotency  # noqa: F401
from carehub.audit.models import AuditEvent  # noqa: F401
from carehub.auth.models import ApiToken, User  # noqa: F401
from carehub.careplans import models as careplan_models  # noqa: F401
from carehub.jobs import models as job_models  # noqa: F401
from carehub.notices import models as notice_models  # noqa: F401
from carehub.policy import models as policy_models  # noqa: F401
from carehub.registry import models as registry_models  # noqa: F401
from carehub.scheduling import models as scheduling_models  # noqa: F401
from carehub.settlement import models as settlement_models  # noqa: F401
from carehub.timebank import models as timebank_models  # noqa: F401
from carehub.visits import execution_models  # noqa: F401
from carehub.visits import models as visit_models  # noqa: F401
