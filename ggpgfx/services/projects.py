"""Projects: CRUD, immutable versioned graphs validated on upload, assets, members, destinations."""

from __future__ import annotations

import difflib
import hashlib
from typing import Any

from sqlalchemy import func, select

from ggpgfx.errors import ServiceError
from ggpgfx.services import schemas as s
from ggpgfx.services.assets import make_asset_store
from ggpgfx.services.base import Service, scoped_get
from ggpgfx.services.crypto import mask
from ggpgfx.services.models import (
    Asset,
    Destination,
    GraphVersion,
    Membership,
    Project,
    ProjectMember,
    utcnow,
)
from ggpgfx.services.security import Principal

ASSET_KINDS = ("skin", "logo", "photo", "font", "other")
MAX_ASSET_BYTES = 20 * 1024 * 1024


class GraphInvalid(ServiceError):
    """Uploaded YAML failed validation; carries the diagnostics with line numbers."""

    def __init__(self, diagnostics: list[dict[str, Any]]) -> None:
        self.diagnostics = diagnostics
        count = len(diagnostics)
        super().__init__(f"{count} error{'s' if count != 1 else ''} in graph", 422)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle by the diagnostics (it crosses from a Serve deployment to the gateway as itself)."""
        return (type(self), (self.diagnostics,))


def validate_graph_yaml(text: str, filename: str = "graph.yaml", policy: Any = None) -> list[dict[str, Any]]:
    """Run the runtime's validator and the run policy; return the diagnostics as plain dicts (empty when valid).

    Destination placeholders validate as stand-ins (only in secret params); their hosts are checked at start."""
    import yaml

    from ggpgfx.policy import is_stand_in, prepare_graph

    try:
        _, diagnostics = prepare_graph(text, filename, policy, skip=is_stand_in)
    except yaml.YAMLError as exc:  # e.g. a ReaderError for control characters escapes the validator
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            line, col = mark.line + 1, mark.column + 1
        else:
            position = int(getattr(exc, "position", 0) or 0)
            line = text.count("\n", 0, position) + 1
            col = position - (text.rfind("\n", 0, position) + 1) + 1
        message = str(getattr(exc, "problem", None) or exc).splitlines()[0]
        return [{"line": line, "col": col, "message": message, "hint": None,
                 "text": f"{filename}:{line}:{col}: error: {message}"}]
    return [
        {"line": d.line, "col": d.col, "message": d.message, "hint": d.hint, "text": d.format()}
        for d in diagnostics
    ]


class ProjectsService(Service):
    """Projects and everything that hangs off one."""

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self.store = make_asset_store(self.settings)

    # ---- projects ---------------------------------------------------------------------
    def _out(self, session: Any, project: Project) -> s.ProjectOut:
        latest = session.scalar(select(func.max(GraphVersion.version)).where(GraphVersion.project_id == project.id))
        return s.ProjectOut.model_validate(project).model_copy(update={"latest_version": latest})

    def list_projects(self, principal: Principal, name_contains: str | None = None, limit: int = 100,
                      offset: int = 0) -> list[s.ProjectOut]:
        """Projects of the caller's organisation, newest first (the API's hottest read: plain Core rows)."""
        principal.require("viewer")
        latest = (
            select(func.max(GraphVersion.version)).where(GraphVersion.project_id == Project.id)
            .correlate(Project).scalar_subquery().label("latest_version")
        )
        table = Project.__table__.c
        query = select(table.id, table.name, table.description, table.created_by, table.created_at, table.updated_at,
                       latest).where(table.organization_id == principal.organization_id)
        if name_contains:
            query = query.where(table.name.contains(name_contains, autoescape=True))
        query = query.order_by(table.created_at.desc(), table.id).limit(max(1, min(limit, 500))).offset(max(0, offset))
        with self.context.sessions() as session:
            return [s.ProjectOut.model_validate(row) for row in session.execute(query).mappings()]

    def create_project(self, principal: Principal, body: s.ProjectIn) -> s.ProjectOut:
        """Create a project owned by the caller's organisation."""
        principal.require("producer")
        with self.context.session() as session:
            project = Project(organization_id=principal.organization_id, name=body.name,
                              description=body.description, created_by=principal.actor)
            session.add(project)
            session.flush()
            self.audit(session, principal, principal.organization_id, "project.created", f"project:{project.id}")
            return s.ProjectOut.model_validate(project)

    def get_project(self, principal: Principal, project_id: str) -> s.ProjectOut:
        """One project of the caller's organisation."""
        principal.require("viewer")
        with self.context.sessions() as session:
            return self._out(session, scoped_get(session, Project, project_id, principal, "project"))

    def update_project(self, principal: Principal, project_id: str, body: s.ProjectUpdate) -> s.ProjectOut:
        """Rename or re-describe a project."""
        principal.require("producer")
        with self.context.session() as session:
            project = scoped_get(session, Project, project_id, principal, "project")
            if body.name is not None:
                project.name = body.name
            if body.description is not None:
                project.description = body.description
            project.updated_at = utcnow()
            session.flush()
            return self._out(session, project)

    def delete_project(self, principal: Principal, project_id: str) -> None:
        """Delete a project with its versions, assets and destinations."""
        principal.require("admin")
        with self.context.session() as session:
            project = scoped_get(session, Project, project_id, principal, "project")
            keys = session.scalars(select(Asset.storage_key).where(Asset.project_id == project.id)).all()
            session.delete(project)
            self.audit(session, principal, principal.organization_id, "project.deleted", f"project:{project_id}")
        for key in keys:
            self.store.delete(key)

    # ---- graph versions ---------------------------------------------------------------
    def create_version(self, principal: Principal, project_id: str, body: s.GraphVersionIn) -> s.GraphVersionOut:
        """Validate YAML and save it as the next immutable version (422 with line numbers if invalid)."""
        from sqlalchemy.exc import IntegrityError

        from ggpgfx.services.run_policy import policy_for

        principal.require("producer")
        with self.context.sessions() as session:
            policy = policy_for(self.settings, session, principal.organization_id, principal.role)
        diagnostics = validate_graph_yaml(body.yaml, "graph.yaml", policy)
        if diagnostics:
            raise GraphInvalid(diagnostics)
        digest = hashlib.sha256(body.yaml.encode()).hexdigest()
        for _attempt in range(3):  # two writers racing for the same number: the loser retries
            try:
                with self.context.session() as session:
                    project = scoped_get(session, Project, project_id, principal, "project")
                    latest = session.scalar(select(func.max(GraphVersion.version)).where(GraphVersion.project_id == project.id))
                    row = GraphVersion(
                        organization_id=principal.organization_id, project_id=project.id, version=(latest or 0) + 1,
                        yaml_text=body.yaml, sha256=digest, message=body.message, created_by=principal.actor,
                    )
                    session.add(row)
                    project.updated_at = utcnow()
                    session.flush()
                    return s.GraphVersionOut.model_validate(row)
            except IntegrityError:
                continue
        raise ServiceError("could not save the version (concurrent uploads); retry", 409)

    def list_versions(self, principal: Principal, project_id: str) -> list[s.GraphVersionOut]:
        """All versions of a project, oldest first (without YAML)."""
        principal.require("viewer")
        with self.context.sessions() as session:
            project = scoped_get(session, Project, project_id, principal, "project")
            rows = session.scalars(select(GraphVersion).where(GraphVersion.project_id == project.id)
                                   .order_by(GraphVersion.version)).all()
            return [s.GraphVersionOut.model_validate(r) for r in rows]

    def _version_row(self, session: Any, principal: Principal, project_id: str, version: int | None) -> GraphVersion:
        project = scoped_get(session, Project, project_id, principal, "project")
        query = select(GraphVersion).where(GraphVersion.project_id == project.id)
        if version is None:
            query = query.order_by(GraphVersion.version.desc())
        else:
            query = query.where(GraphVersion.version == version)
        row = session.scalars(query).first()
        if row is None:
            raise ServiceError(f"project '{project_id}' has no graph version {version if version else 'yet'}", 404)
        return row

    def get_version(self, principal: Principal, project_id: str, version: int | None = None) -> s.GraphVersionOut:
        """One version with its YAML (latest when `version` is None)."""
        principal.require("viewer")
        with self.context.sessions() as session:
            row = self._version_row(session, principal, project_id, version)
            return s.GraphVersionOut.model_validate(row).model_copy(update={"yaml": row.yaml_text})

    def diff_versions(self, principal: Principal, project_id: str, from_version: int, to_version: int) -> s.DiffOut:
        """Unified diff of two versions' YAML."""
        principal.require("viewer")
        with self.context.sessions() as session:
            old = self._version_row(session, principal, project_id, from_version)
            new = self._version_row(session, principal, project_id, to_version)
            lines = list(difflib.unified_diff(
                old.yaml_text.splitlines(keepends=True), new.yaml_text.splitlines(keepends=True),
                fromfile=f"v{from_version}/graph.yaml", tofile=f"v{to_version}/graph.yaml",
            ))
            added = sum(1 for x in lines if x.startswith("+") and not x.startswith("+++"))
            removed = sum(1 for x in lines if x.startswith("-") and not x.startswith("---"))
            return s.DiffOut(from_version=from_version, to_version=to_version, diff="".join(lines),
                             added_lines=added, removed_lines=removed)

    # ---- assets -------------------------------------------------------------------------
    def upload_asset(self, principal: Principal, project_id: str, kind: str, filename: str, content_type: str,
                     data: bytes) -> s.AssetOut:
        """Store a file for the project (skins, logos, photos)."""
        principal.require("producer")
        if kind not in ASSET_KINDS:
            raise ServiceError(f"asset kind must be one of {', '.join(ASSET_KINDS)}; got '{kind}'", 422)
        if len(data) > MAX_ASSET_BYTES:
            raise ServiceError(f"asset is {len(data)} bytes; the limit is {MAX_ASSET_BYTES}", 413)
        safe_name = filename.replace("/", "_").replace("\\", "_")[:255] or "asset"
        with self.context.session() as session:
            project = scoped_get(session, Project, project_id, principal, "project")
            row = Asset(organization_id=principal.organization_id, project_id=project.id, kind=kind, filename=safe_name,
                        content_type=content_type[:120] or "application/octet-stream", size_bytes=len(data),
                        sha256=hashlib.sha256(data).hexdigest(), storage_key="")
            session.add(row)
            session.flush()
            row.storage_key = f"{principal.organization_id}/{project.id}/{row.id}"
            self.store.put(row.storage_key, data, row.content_type)
            return s.AssetOut.model_validate(row)

    def list_assets(self, principal: Principal, project_id: str) -> list[s.AssetOut]:
        """Assets of a project."""
        principal.require("viewer")
        with self.context.sessions() as session:
            project = scoped_get(session, Project, project_id, principal, "project")
            rows = session.scalars(select(Asset).where(Asset.project_id == project.id).order_by(Asset.created_at)).all()
            return [s.AssetOut.model_validate(r) for r in rows]

    def _asset(self, session: Any, principal: Principal, project_id: str, asset_id: str) -> Asset:
        row: Asset = scoped_get(session, Asset, asset_id, principal, "asset")
        if row.project_id != project_id:
            raise ServiceError(f"asset '{asset_id}' not found", 404)
        return row

    def get_asset(self, principal: Principal, project_id: str, asset_id: str) -> tuple[s.AssetOut, bytes]:
        """An asset's metadata and bytes."""
        principal.require("viewer")
        with self.context.sessions() as session:
            row = self._asset(session, principal, project_id, asset_id)
            return s.AssetOut.model_validate(row), self.store.get(row.storage_key)

    def delete_asset(self, principal: Principal, project_id: str, asset_id: str) -> None:
        """Delete an asset and its bytes."""
        principal.require("producer")
        with self.context.session() as session:
            row = self._asset(session, principal, project_id, asset_id)
            key = row.storage_key
            session.delete(row)
        self.store.delete(key)

    # ---- project members ----------------------------------------------------------------
    def list_members(self, principal: Principal, project_id: str) -> list[s.ProjectMemberOut]:
        """Users assigned to a project."""
        principal.require("viewer")
        with self.context.sessions() as session:
            project = scoped_get(session, Project, project_id, principal, "project")
            rows = session.scalars(select(ProjectMember).where(ProjectMember.project_id == project.id)).all()
            return [s.ProjectMemberOut.model_validate(r) for r in rows]

    def add_member(self, principal: Principal, project_id: str, body: s.ProjectMemberIn) -> s.ProjectMemberOut:
        """Assign a member of the organisation to the project."""
        principal.require("admin")
        with self.context.session() as session:
            project = scoped_get(session, Project, project_id, principal, "project")
            in_org = session.scalars(select(Membership).where(
                Membership.organization_id == principal.organization_id, Membership.user_id == body.user_id)).first()
            if in_org is None:
                raise ServiceError(f"user '{body.user_id}' is not a member of this organisation", 404)
            if session.scalars(select(ProjectMember).where(ProjectMember.project_id == project.id,
                                                           ProjectMember.user_id == body.user_id)).first():
                raise ServiceError("already a project member", 409)
            row = ProjectMember(organization_id=principal.organization_id, project_id=project.id,
                                user_id=body.user_id, role=body.role)
            session.add(row)
            session.flush()
            return s.ProjectMemberOut.model_validate(row)

    def remove_member(self, principal: Principal, project_id: str, user_id: str) -> None:
        """Unassign a user from the project."""
        principal.require("admin")
        with self.context.session() as session:
            project = scoped_get(session, Project, project_id, principal, "project")
            row = session.scalars(select(ProjectMember).where(ProjectMember.project_id == project.id,
                                                              ProjectMember.user_id == user_id)).first()
            if row is None:
                raise ServiceError(f"project member '{user_id}' not found", 404)
            session.delete(row)

    # ---- destinations ---------------------------------------------------------------------
    def _destination_out(self, row: Destination) -> s.DestinationOut:
        return s.DestinationOut(id=row.id, project_id=row.project_id, name=row.name, url=row.url,
                                stream_key_masked="*" * 8 + row.stream_key_last4, created_at=row.created_at)

    def create_destination(self, principal: Principal, project_id: str, body: s.DestinationIn) -> s.DestinationOut:
        """Store a publish target; the stream key is encrypted with the organisation id as context."""
        principal.require("admin")
        with self.context.session() as session:
            project = scoped_get(session, Project, project_id, principal, "project")
            row = Destination(organization_id=principal.organization_id, project_id=project.id, name=body.name,
                              url=body.url, stream_key_ciphertext=b"", stream_key_last4=mask(body.stream_key)[-4:].lstrip("*"))
            session.add(row)
            session.flush()
            row.stream_key_ciphertext = self.context.box.encrypt(body.stream_key, f"destination:{row.id}")
            self.audit(session, principal, principal.organization_id, "destination.created", f"destination:{row.id}",
                       url=body.url, stream_key=mask(body.stream_key))
            return self._destination_out(row)

    def list_destinations(self, principal: Principal, project_id: str) -> list[s.DestinationOut]:
        """Destinations with masked keys."""
        principal.require("viewer")
        with self.context.sessions() as session:
            project = scoped_get(session, Project, project_id, principal, "project")
            rows = session.scalars(select(Destination).where(Destination.project_id == project.id)
                                   .order_by(Destination.created_at)).all()
            return [self._destination_out(r) for r in rows]

    def delete_destination(self, principal: Principal, project_id: str, destination_id: str) -> None:
        """Remove a destination."""
        principal.require("admin")
        with self.context.session() as session:
            row = scoped_get(session, Destination, destination_id, principal, "destination")
            if row.project_id != project_id:
                raise ServiceError(f"destination '{destination_id}' not found", 404)
            session.delete(row)
            self.audit(session, principal, principal.organization_id, "destination.deleted", f"destination:{destination_id}")
