"""Webhook endpoints of a workspace, and the secrets that sign what they receive.

Which secret signs depends on the profile, as it did on Recall: a `seed` workspace gave each endpoint its
own Svix secret; a `current` workspace signs every endpoint with its one workspace secret
(`Workspace.webhook_secret`). Rotation works the same on either: the new secret signs at once, and the
old one keeps signing beside it for `retired_secret_ttl` (24 h), at most `max_retired_secrets` (5) of
them, so a receiver never sees a moment where its configured secret stops matching.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from recall_sim.simulator.backend.context import Context
from recall_sim.simulator.backend.workspaces import Workspaces
from recall_sim.simulator.errors import NotFound, ValidationFailed
from recall_sim.simulator.records import Reader, Repository, Workspace
from recall_sim.simulator.settings import ApiProfile
from recall_sim.simulator.store import Collection
from recall_sim.simulator.validation import is_url
from recall_sim.simulator.webhooks.models import Endpoint, RetiredSecret, WorkspaceSecrets
from recall_sim.simulator.webhooks.payloads import EVENT_TYPES
from recall_sim.simulator.webhooks.signing import SECRET_PREFIX, decode_secret

__all__ = ["Endpoints"]

_UNSET = object()


def _check_url(url: str) -> None:
    if not is_url(url, ("http", "https")):
        raise ValidationFailed({"url": ["Enter a valid URL."]})


def _check_filter(filter_types: list[str] | None) -> None:
    if filter_types is None:
        return
    bad = {
        str(i): [f'"{t}" is not a valid choice.'] for i, t in enumerate(filter_types) if t not in EVENT_TYPES
    }
    if bad:
        raise ValidationFailed({"filter_types": bad})


def _check_secret(secret: str, field: str = "secret") -> None:
    if not secret.startswith(SECRET_PREFIX):
        raise ValidationFailed({field: ['Webhook secrets start with "whsec_".']})
    try:
        decode_secret(secret)
    except ValueError as exc:
        raise ValidationFailed({field: [str(exc)]}) from None


class Endpoints:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._endpoints = Repository(ctx.store, Collection.WEBHOOK_ENDPOINTS, Endpoint)
        self._workspace_secrets = Repository(
            ctx.store, Collection.WEBHOOK_WORKSPACE_SECRETS, WorkspaceSecrets
        )
        self.records: Reader[Endpoint] = self._endpoints
        self.workspace_secrets: Reader[WorkspaceSecrets] = self._workspace_secrets
        self.workspaces = Workspaces(ctx)

    @property
    def _settings(self) -> tuple[float, int]:
        hooks = self.ctx.settings.webhooks
        return hooks.retired_secret_ttl, hooks.max_retired_secrets

    def workspace(self, workspace_id: str) -> Workspace:
        return self.workspaces.get_workspace(workspace_id)

    def create_endpoint(
        self,
        workspace_id: str,
        url: str,
        *,
        filter_types: list[str] | None = None,
        secret: str | None = None,
        description: str = "",
        disabled: bool = False,
    ) -> Endpoint:
        workspace = self.workspace(workspace_id)
        _check_url(url)
        _check_filter(filter_types)
        if secret is not None:
            if workspace.profile == "current":
                raise ValidationFailed(
                    {
                        "secret": [
                            "This workspace signs every endpoint with its workspace secret; "
                            "rotate that secret instead."
                        ]
                    }
                )
            _check_secret(secret)
        now = self.ctx.now()
        with self.ctx.unit_of_work():
            endpoint = Endpoint(
                id=self.ctx.ids.prefixed("ep"),
                workspace_id=workspace.id,
                url=url,
                description=description,
                filter_types=filter_types,
                secret=secret or self.ctx.ids.webhook_secret(),
                disabled=disabled,
                disabled_reason="manual" if disabled else None,
                created_at=now,
                updated_at=now,
            )
            return self._endpoints.put(endpoint)

    def get_endpoint(self, endpoint_id: str) -> Endpoint:
        endpoint = self.records.get(endpoint_id)
        if endpoint is None:
            raise NotFound()
        return endpoint

    def list_endpoints(self, workspace_id: str | None = None) -> list[Endpoint]:
        return self.records.find(None if workspace_id is None else {"workspace_id": workspace_id})

    def update_endpoint(
        self,
        endpoint_id: str,
        *,
        url: str | None = None,
        description: str | None = None,
        filter_types: list[str] | object | None = _UNSET,
    ) -> Endpoint:
        """Change the URL, description or filter (`filter_types=None` removes the filter)."""
        endpoint = self.get_endpoint(endpoint_id)
        changes: dict[str, object] = {"updated_at": self.ctx.now()}
        if url is not None:
            _check_url(url)
            changes["url"] = url
        if description is not None:
            changes["description"] = description
        if filter_types is not _UNSET:
            assert filter_types is None or isinstance(filter_types, list)
            _check_filter(filter_types)
            changes["filter_types"] = filter_types
        with self.ctx.unit_of_work():
            return self._endpoints.put(endpoint.model_copy(update=changes))

    def delete_endpoint(self, endpoint_id: str) -> None:
        self.get_endpoint(endpoint_id)
        with self.ctx.unit_of_work():
            self._endpoints.delete(endpoint_id)

    def set_disabled(self, endpoint_id: str, disabled: bool) -> Endpoint:
        """Disable by hand, or enable: enabling starts the failure window afresh."""
        endpoint = self.get_endpoint(endpoint_id)
        with self.ctx.unit_of_work():
            return self._endpoints.put(
                endpoint.model_copy(
                    update={
                        "disabled": disabled,
                        "disabled_reason": "manual" if disabled else None,
                        "failing_since": endpoint.failing_since if disabled else None,
                        "updated_at": self.ctx.now(),
                    }
                )
            )

    def receivers(self, workspace_id: str, event_type: str) -> list[Endpoint]:
        """The workspace's endpoints whose filter admits `event_type`, disabled ones included."""
        return [
            e
            for e in self.list_endpoints(workspace_id)
            if e.filter_types is None or event_type in e.filter_types
        ]

    def judge(
        self, endpoint_id: str, succeeded: bool, started_at: datetime, finished_at: datetime, exhausted: bool
    ) -> None:
        """After an attempt: a success closes the endpoint's failure window, a failure opens it (or keeps
        it open), and a message given up on after failures that lasted the whole window disables the
        endpoint. Part of the attempt's unit of work."""
        stored = self.ctx.store.get(Collection.WEBHOOK_ENDPOINTS, endpoint_id)
        if stored is None or (succeeded and stored.get("failing_since") is None):
            return  # most attempts succeed at an endpoint that was not failing: nothing to change
        endpoint = Endpoint.model_validate(stored)
        if succeeded:
            changes: dict[str, object] = {"failing_since": None}
        else:
            failing_since = endpoint.failing_since or started_at
            changes = {"failing_since": failing_since}
            window = timedelta(seconds=self.ctx.settings.webhooks.disable_after)
            # Svix judges an endpoint only when a message's retries run out, so one bad hour never
            # disables it: only failures that outlast the whole window do.
            if exhausted and not endpoint.disabled and finished_at - failing_since >= window:
                changes |= {"disabled": True, "disabled_reason": "failing", "updated_at": finished_at}
        if all(getattr(endpoint, field) == value for field, value in changes.items()):
            return  # most attempts leave the endpoint as it was: no write
        self._endpoints.put(endpoint.model_copy(update=changes))

    # --- secrets -------------------------------------------------------------------------------

    def _live(self, retired: list[RetiredSecret], now: datetime) -> list[RetiredSecret]:
        return [r for r in retired if r.expires_at > now]

    def signing_secret(self, endpoint: Endpoint, profile: ApiProfile) -> str:
        """The secret a receiver should configure for `endpoint` today."""
        if profile == "current":
            return self.workspace(endpoint.workspace_id).webhook_secret
        return endpoint.secret

    def signing_secrets(self, endpoint: Endpoint, profile: ApiProfile) -> list[str]:
        """Every secret an attempt is signed with now: the current one first, then unexpired old ones."""
        now = self.ctx.now()
        if profile == "current":
            held = self.workspace_secrets.get(endpoint.workspace_id)
            retired = [] if held is None else held.retired_secrets
        else:
            retired = endpoint.retired_secrets
        return [self.signing_secret(endpoint, profile), *(r.secret for r in self._live(retired, now))]

    def _retire(self, retired: list[RetiredSecret], old: str) -> list[RetiredSecret]:
        ttl, keep = self._settings
        now = self.ctx.now()
        kept = [*self._live(retired, now), RetiredSecret(secret=old, expires_at=now + timedelta(seconds=ttl))]
        return kept[-keep:] if keep else []

    def rotate_endpoint_secret(self, endpoint_id: str, key: str | None = None) -> str:
        """Rotate whichever secret signs this endpoint (its own, or its `current` workspace's)."""
        endpoint = self.get_endpoint(endpoint_id)
        workspace = self.workspace(endpoint.workspace_id)
        if workspace.profile == "current":
            return self.rotate_workspace_secret(workspace.id, key)
        if key is not None:
            _check_secret(key, "key")
        with self.ctx.unit_of_work():
            new = key or self.ctx.ids.webhook_secret()
            self._endpoints.put(
                endpoint.model_copy(
                    update={
                        "secret": new,
                        "retired_secrets": self._retire(endpoint.retired_secrets, endpoint.secret),
                        "updated_at": self.ctx.now(),
                    }
                )
            )
        return new

    def rotate_workspace_secret(self, workspace_id: str, key: str | None = None) -> str:
        workspace = self.workspace(workspace_id)
        if key is not None:
            _check_secret(key, "key")
        held = self.workspace_secrets.get(workspace.id) or WorkspaceSecrets(id=workspace.id)
        with self.ctx.unit_of_work():
            new = key or self.ctx.ids.webhook_secret()
            retired = self._retire(held.retired_secrets, workspace.webhook_secret)
            self._workspace_secrets.put(held.model_copy(update={"retired_secrets": retired}))
            self.workspaces.set_webhook_secret(workspace, new)
        return new
