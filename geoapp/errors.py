"""Domain errors: each carries a user message (Japanese first) and an HTTP status.

Views and API functions raise these; ``geoapp.web.error_pages`` turns them into JSON for
API routes and into an HTML page elsewhere, in one place. The message is a
``geoapp.translatable.Text``: Japanese in the code, English in the gettext catalogue.
"""

from __future__ import annotations

from http import HTTPStatus

from .translatable import Text, Worded


class GeoappError(Worded, Exception):
    """An error a user can act on: a message the user reads in Japanese or English, and an
    HTTP status."""

    status: int = HTTPStatus.INTERNAL_SERVER_ERROR
    code: str = "internal_error"
    # Seconds after which trying again may succeed, sent as the Retry-After header.
    retry_after: int | None = None

    def __init__(
        self,
        message: Text,
        *,
        status: int | None = None,
        code: str | None = None,
        **details: object,
    ) -> None:
        """``details`` go to API clients as they are; ``status`` and ``code`` replace the
        class's, for an error answered on behalf of another library's (Flask's HTTP errors,
        a refused CSRF token)."""
        self.text = message
        super().__init__(self.message)
        self.details = details
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code

    def to_dict(self) -> dict[str, object]:
        """The JSON body an API client receives."""
        body: dict[str, object] = {
            "error": self.code,
            "status": int(self.status),
            "message": self.message,
            "message_en": self.message_en,
        }
        if self.details:
            body["details"] = self.details
        return body


class BadInput(GeoappError):
    """The request, file or command-line value is wrong; the user can correct it."""

    status = HTTPStatus.BAD_REQUEST
    code = "bad_input"


class NotFound(GeoappError):
    """The thing asked for does not exist."""

    status = HTTPStatus.NOT_FOUND
    code = "not_found"


class Conflict(GeoappError):
    """The request clashes with the stored state (a stale version, a duplicate)."""

    status = HTTPStatus.CONFLICT
    code = "conflict"


class StorageUnavailable(GeoappError):
    """The database cannot be reached or is not set up; clients may retry after a while."""

    status = HTTPStatus.SERVICE_UNAVAILABLE
    code = "storage_unavailable"
    retry_after = 30


class StorageBusy(StorageUnavailable):
    """Another writer held the database's lock for longer than the busy timeout."""

    code = "storage_busy"
    retry_after = 5


class SchemaOutdated(StorageUnavailable):
    """The database schema is older than this version of geoapp expects (waiting does
    not help: an administrator runs ``geoapp db upgrade``)."""

    code = "schema_outdated"
    retry_after = None


class BadSetting(GeoappError):
    """A setting (an environment variable) the app cannot start with; the message names it."""

    code = "bad_setting"


class Unauthorized(GeoappError):
    """The request needs a logged-in user."""

    status = HTTPStatus.UNAUTHORIZED
    code = "login_required"


class Forbidden(GeoappError):
    """The logged-in user's role does not allow this."""

    status = HTTPStatus.FORBIDDEN
    code = "forbidden"


class TooManyAttempts(GeoappError):
    """Too many failed logins in a short time; the caller must wait ``retry_after`` seconds."""

    status = HTTPStatus.TOO_MANY_REQUESTS
    code = "too_many_attempts"

    def __init__(self, message: Text, retry_after: int) -> None:
        super().__init__(message, retry_after=retry_after)
        self.retry_after = retry_after


class Locked(GeoappError):
    """The community is locked against edits; unlock it first."""

    status = HTTPStatus.LOCKED
    code = "community_locked"


class PlanReadOnly(Conflict):
    """The plan is adopted or archived; copy it to a new draft to change it."""

    code = "plan_read_only"


class StageRuleBroken(Conflict):
    """A stage change breaks the scheme's rules (a stage skipped, a required milestone
    missing); an admin may record it as an exception with a reason."""

    code = "stage_rule"


class GrantRuleBroken(Conflict):
    """A grant breaks its program's rules (stage, window, caps, budget …); an admin may
    record it as an exception with a reason."""

    code = "grant_rule"
