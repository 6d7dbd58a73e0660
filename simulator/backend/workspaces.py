"""Workspaces and their API keys: who is calling, in which region, with which profile."""

from __future__ import annotations

from recall_sim.simulator.backend.context import Context
from recall_sim.simulator.errors import AuthenticationFailed, NotAuthenticated, NotFound, ValidationFailed
from recall_sim.simulator.records import ApiKey, Quirks, Reader, Repository, Workspace
from recall_sim.simulator.settings import REGIONS, ApiProfile, RegionName
from recall_sim.simulator.store import Collection

__all__ = ["Workspaces", "parse_authorization"]

_HEX = set("0123456789abcdef")


def parse_authorization(header: str | None) -> str:
    """The key from `Authorization: Token <key>`, or from the bare `Authorization: <key>` that Recall's
    own samples send."""
    if header is None or not header.strip():
        raise NotAuthenticated()
    parts = header.split()
    if len(parts) == 2 and parts[0].lower() == "token":
        return parts[1]
    if len(parts) == 1 and parts[0].lower() != "token":
        return parts[0]
    raise AuthenticationFailed()


class Workspaces:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        # The writer of `workspaces` and `api_keys`: every other module reads them and asks here.
        self._workspaces = Repository(ctx.store, Collection.WORKSPACES, Workspace)
        self._keys = Repository(ctx.store, Collection.API_KEYS, ApiKey)
        self.records: Reader[Workspace] = self._workspaces
        self.keys: Reader[ApiKey] = self._keys

    def create_workspace(
        self,
        *,
        name: str = "Workspace",
        region: RegionName | None = None,
        profile: ApiProfile | None = None,
        api_key: str | None = None,
        webhook_secret: str | None = None,
        quirks: Quirks | None = None,
    ) -> tuple[Workspace, ApiKey]:
        region = region or self.ctx.settings.region
        if region not in REGIONS:
            raise ValidationFailed({"region": [f'"{region}" is not a valid choice.']})
        if api_key is not None:
            if not api_key.strip() or any(c.isspace() for c in api_key):
                raise ValidationFailed({"api_key": ["API keys cannot be blank or contain spaces."]})
            if self.keys.get(api_key) is not None:
                raise ValidationFailed({"api_key": ["This API key is already in use."]})
        if webhook_secret is not None and not webhook_secret.startswith("whsec_"):
            raise ValidationFailed({"webhook_secret": ['Webhook secrets start with "whsec_".']})
        now = self.ctx.now()
        with self.ctx.unit_of_work():
            workspace = Workspace(
                id=self.ctx.ids.uuid(),
                name=name,
                region=region,
                profile=profile or self.ctx.settings.profile,
                webhook_secret=webhook_secret or self.ctx.ids.webhook_secret(),
                quirks=quirks or Quirks(),
                created_at=now,
            )
            self._workspaces.put(workspace)
            key = self._keys.put(
                ApiKey(id=api_key or self.ctx.ids.api_key(), workspace_id=workspace.id, created_at=now)
            )
        return workspace, key

    def create_api_key(self, workspace_id: str, key: str | None = None) -> ApiKey:
        """A new key of the workspace: drawn, or `key` itself (the start-up key asked for by name)."""
        self.get_workspace(workspace_id)
        with self.ctx.unit_of_work():
            return self._keys.put(
                ApiKey(id=key or self.ctx.ids.api_key(), workspace_id=workspace_id, created_at=self.ctx.now())
            )

    def update_workspace(
        self, workspace_id: str, *, profile: ApiProfile | None = None, quirks: Quirks | None = None
    ) -> Workspace:
        workspace = self.get_workspace(workspace_id)
        changes: dict[str, object] = {}
        if profile is not None:
            changes["profile"] = profile
        if quirks is not None:
            changes["quirks"] = quirks
        with self.ctx.unit_of_work():
            return self._workspaces.put(workspace.model_copy(update=changes))

    def set_webhook_secret(self, workspace: Workspace, secret: str) -> Workspace:
        """The secret a `current` workspace signs every endpoint with, after a rotation. Part of the
        caller's unit of work (which also keeps the old secret valid for a while)."""
        return self._workspaces.put(workspace.model_copy(update={"webhook_secret": secret}))

    def get_workspace(self, workspace_id: str) -> Workspace:
        workspace = self.records.get(workspace_id)
        if workspace is None:
            raise NotFound()
        return workspace

    def list_workspaces(self) -> list[Workspace]:
        return self.records.find()

    def api_keys_of(self, workspace_id: str) -> list[ApiKey]:
        return self.keys.find({"workspace_id": workspace_id})

    def authenticate(self, authorization: str | None) -> Workspace:
        """The workspace a request acts for. A key of another region is as unknown as a made-up one:
        each region is a separate deployment."""
        key = self.keys.get(parse_authorization(authorization))
        if key is None:
            raise AuthenticationFailed()
        workspace = self.records.get(key.workspace_id)
        if workspace is None or workspace.region != self.ctx.settings.region:
            raise AuthenticationFailed()
        return workspace
