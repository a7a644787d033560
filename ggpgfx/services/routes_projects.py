"""REST routes: projects, graph versions and diffs, assets, project members, destinations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile

from ggpgfx.services import schemas as s
from ggpgfx.services.auth import CurrentPrincipal
from ggpgfx.services.routing import ERRORS, backend

router = APIRouter(prefix="/api/v1/projects", tags=["projects"], responses=ERRORS)


@router.get("", response_model=list[s.ProjectOut])
async def list_projects(
    principal: CurrentPrincipal, request: Request,
    name_contains: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100, offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> list[s.ProjectOut]:
    """Projects of my organisation."""
    return await backend(request).projects.list_projects(principal, name_contains, limit, offset)


@router.post("", response_model=s.ProjectOut, status_code=201)
async def create_project(body: s.ProjectIn, principal: CurrentPrincipal, request: Request) -> s.ProjectOut:
    """Create a project."""
    return await backend(request).projects.create_project(principal, body)


@router.get("/{project_id}", response_model=s.ProjectOut)
async def get_project(project_id: str, principal: CurrentPrincipal, request: Request) -> s.ProjectOut:
    """One project."""
    return await backend(request).projects.get_project(principal, project_id)


@router.put("/{project_id}", response_model=s.ProjectOut)
async def update_project(project_id: str, body: s.ProjectUpdate, principal: CurrentPrincipal,
                         request: Request) -> s.ProjectOut:
    """Update a project."""
    return await backend(request).projects.update_project(principal, project_id, body)


@router.delete("/{project_id}", status_code=204)
async def delete_project(project_id: str, principal: CurrentPrincipal, request: Request) -> Response:
    """Delete a project."""
    await backend(request).projects.delete_project(principal, project_id)
    return Response(status_code=204)


@router.get("/{project_id}/versions", response_model=list[s.GraphVersionOut])
async def list_versions(project_id: str, principal: CurrentPrincipal, request: Request) -> list[s.GraphVersionOut]:
    """Graph versions of a project."""
    return await backend(request).projects.list_versions(principal, project_id)


@router.post("/{project_id}/versions", response_model=s.GraphVersionOut, status_code=201)
async def create_version(project_id: str, body: s.GraphVersionIn, principal: CurrentPrincipal,
                         request: Request) -> s.GraphVersionOut:
    """Upload graph YAML as the next version (422 lists every problem with line and column)."""
    return await backend(request).projects.create_version(principal, project_id, body)


@router.get("/{project_id}/versions/{version}", response_model=s.GraphVersionOut)
async def get_version(project_id: str, version: int, principal: CurrentPrincipal, request: Request) -> s.GraphVersionOut:
    """One version with its YAML."""
    return await backend(request).projects.get_version(principal, project_id, version)


@router.get("/{project_id}/diff", response_model=s.DiffOut)
async def diff_versions(
    project_id: str, principal: CurrentPrincipal, request: Request,
    from_version: Annotated[int, Query(alias="from", ge=1)], to_version: Annotated[int, Query(alias="to", ge=1)],
) -> s.DiffOut:
    """Unified diff between two versions."""
    return await backend(request).projects.diff_versions(principal, project_id, from_version, to_version)


@router.get("/{project_id}/assets", response_model=list[s.AssetOut])
async def list_assets(project_id: str, principal: CurrentPrincipal, request: Request) -> list[s.AssetOut]:
    """Assets of a project."""
    return await backend(request).projects.list_assets(principal, project_id)


@router.post("/{project_id}/assets", response_model=s.AssetOut, status_code=201)
async def upload_asset(
    project_id: str, principal: CurrentPrincipal, request: Request,
    file: Annotated[UploadFile, File()], kind: Annotated[str, Form(max_length=20)] = "other",
) -> s.AssetOut:
    """Upload a skin, logo, photo or font."""
    data = await file.read()
    return await backend(request).projects.upload_asset(principal, project_id, kind, file.filename or "asset",
        file.content_type or "application/octet-stream", data)


@router.get("/{project_id}/assets/{asset_id}", response_class=Response,
            responses={200: {"content": {"application/octet-stream": {}}, "description": "The asset bytes"}})
async def get_asset(project_id: str, asset_id: str, principal: CurrentPrincipal, request: Request) -> Response:
    """Download an asset."""
    meta, data = await backend(request).projects.get_asset(principal, project_id, asset_id)
    return Response(content=data, media_type=meta.content_type,
                    headers={"content-disposition": f'attachment; filename="{meta.filename}"'})


@router.delete("/{project_id}/assets/{asset_id}", status_code=204)
async def delete_asset(project_id: str, asset_id: str, principal: CurrentPrincipal, request: Request) -> Response:
    """Delete an asset."""
    await backend(request).projects.delete_asset(principal, project_id, asset_id)
    return Response(status_code=204)


@router.get("/{project_id}/members", response_model=list[s.ProjectMemberOut])
async def list_project_members(project_id: str, principal: CurrentPrincipal,
                               request: Request) -> list[s.ProjectMemberOut]:
    """Members of a project."""
    return await backend(request).projects.list_members(principal, project_id)


@router.post("/{project_id}/members", response_model=s.ProjectMemberOut, status_code=201)
async def add_project_member(project_id: str, body: s.ProjectMemberIn, principal: CurrentPrincipal,
                             request: Request) -> s.ProjectMemberOut:
    """Assign a member to a project."""
    return await backend(request).projects.add_member(principal, project_id, body)


@router.delete("/{project_id}/members/{user_id}", status_code=204)
async def remove_project_member(project_id: str, user_id: str, principal: CurrentPrincipal,
                                request: Request) -> Response:
    """Unassign a member."""
    await backend(request).projects.remove_member(principal, project_id, user_id)
    return Response(status_code=204)


@router.get("/{project_id}/destinations", response_model=list[s.DestinationOut])
async def list_destinations(project_id: str, principal: CurrentPrincipal,
                            request: Request) -> list[s.DestinationOut]:
    """Publish destinations (stream keys masked)."""
    return await backend(request).projects.list_destinations(principal, project_id)


@router.post("/{project_id}/destinations", response_model=s.DestinationOut, status_code=201)
async def create_destination(project_id: str, body: s.DestinationIn, principal: CurrentPrincipal,
                             request: Request) -> s.DestinationOut:
    """Add a destination; the stream key is encrypted at rest."""
    return await backend(request).projects.create_destination(principal, project_id, body)


@router.delete("/{project_id}/destinations/{destination_id}", status_code=204)
async def delete_destination(project_id: str, destination_id: str, principal: CurrentPrincipal,
                             request: Request) -> Response:
    """Delete a destination."""
    await backend(request).projects.delete_destination(principal, project_id, destination_id)
    return Response(status_code=204)
