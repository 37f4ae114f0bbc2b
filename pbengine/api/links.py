"""OpenAPI links: which answers give the ids that other operations take in their path.

A client (or a stateful fuzzer) reads from them that the `id` of the round
POST /api/v1/rounds created is the `round_id` of GET /api/v1/rounds/{round_id}, of its
phase, its projects and the rest; that a proposal's `id` is the `project_id` of its
review and the `project` of its delivery and assessment; and that a paper batch's `id`
is the `batch_id` of its ballots and its count. The usual next steps are links with their
bodies: a new round opens for proposals, a round moves on, a proposal is accepted.
"""

from __future__ import annotations

from typing import Any

from litestar.openapi.spec import Link, OpenAPI, OpenAPIResponse, Operation, PathItem

from pbengine.core.phases import LIFECYCLE, Phase

ROUND = "/api/v1/rounds/{round_id}"
METHODS = ("get", "post", "put", "patch", "delete")

CREATED: dict[tuple[str, str, str], dict[str, str]] = {
    # (path, method, status): each path parameter the answer gives, as a link expression.
    ("/api/v1/rounds", "post", "201"): {"round_id": "$response.body#/id"},
    ("/api/v1/rounds/import", "post", "201"): {"round_id": "$response.body#/id"},
    (ROUND + "/successor", "post", "201"): {"round_id": "$response.body#/round/id"},
    (ROUND + "/phase", "post", "200"): {"round_id": "$response.body#/id"},
    (ROUND + "/projects", "post", "201"): {
        "round_id": "$request.path.round_id",
        "project_id": "$response.body#/id",
        "project": "$response.body#/id",
    },
    (ROUND + "/paper-batches", "post", "201"): {
        "round_id": "$request.path.round_id",
        "batch_id": "$response.body#/id",
    },
}


NEXT_STEPS: dict[tuple[str, str, str], list[tuple[str, str, dict[str, Any]]]] = {
    # The usual next steps, with their bodies: a new round opens for proposals; a round
    # moves on to a later phase (only the next one is accepted); a proposal is accepted.
    ("/api/v1/rounds", "post", "201"): [
        ("OpenForProposals", ROUND + "/phase", {"phase": Phase.PROPOSALS.value})
    ],
    (ROUND + "/phase", "post", "200"): [
        (f"MoveTo{phase.value.title()}", ROUND + "/phase", {"phase": phase.value})
        for phase in LIFECYCLE[2:]
    ],
    (ROUND + "/projects", "post", "201"): [
        (
            "Accept",
            ROUND + "/projects/{project_id}/review",
            {"decision": "accept", "cost": "1000"},
        )
    ],
}


def add_links(schema: OpenAPI) -> None:
    """Link each creation's answer to every operation whose path it fills, new id included."""
    paths = schema.paths or {}
    for (path, method, status), given in CREATED.items():
        item = paths.get(path)
        operation = getattr(item, method, None) if item is not None else None
        if operation is None:
            continue
        response = (operation.responses or {}).get(status)
        assert isinstance(response, OpenAPIResponse), (path, method, status)
        new = {name for name, value in given.items() if value.startswith("$response")}
        links = dict(response.links or {})
        for target_path, target in _operations(paths):
            wanted = _path_parameters(target)
            if wanted & new and wanted <= set(given) and target.operation_id:
                links[target.operation_id] = Link(
                    operation_id=target.operation_id,
                    parameters={name: given[name] for name in sorted(wanted)},
                    description=f"the {', '.join(sorted(wanted & new))} of {target_path}",
                )
        for name, target_path, body in NEXT_STEPS.get((path, method, status), []):
            step = getattr(paths[target_path], "post", None)
            assert isinstance(step, Operation)
            assert step.operation_id
            links[name] = Link(
                operation_id=step.operation_id,
                parameters={p: given[p] for p in sorted(_path_parameters(step))},
                request_body=body,
                description=f"{target_path} with this body",
            )
        response.links = links or None


def _operations(paths: dict[str, PathItem]) -> list[tuple[str, Operation]]:
    found = []
    for path, item in paths.items():
        for method in METHODS:
            operation = getattr(item, method, None)
            if isinstance(operation, Operation):
                found.append((path, operation))
    return found


def _path_parameters(operation: Operation) -> set[str]:
    return {
        p.name
        for p in operation.parameters or []
        if getattr(p, "param_in", None) == "path" and hasattr(p, "name")
    }
