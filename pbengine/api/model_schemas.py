"""The schema of every pydantic model as pydantic itself states it, in the published OpenAPI.

Litestar writes its own schema for a pydantic model and keeps only part of what the
server enforces: it drops a field's `pattern` (a slug, a name), `ge=0`, and the refusal of
unknown fields (`extra="forbid"`, which JSON Schema says as `additionalProperties: false`).
A client or a fuzzer reading that schema sends bodies the server refuses. Pydantic's JSON
Schema is generated from the very validators the server runs, so it replaces Litestar's
for every model; Litestar's components stay for everything else.
"""

from __future__ import annotations

from typing import Any

from litestar._openapi.schema_generation.schema import SchemaCreator
from litestar.openapi.spec import Components, Schema
from litestar.plugins.pydantic import PydanticSchemaPlugin
from litestar.typing import FieldDefinition
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

COMPONENTS = "#/components/schemas/"


class ModelSchemas(PydanticSchemaPlugin):
    """Litestar's pydantic schema plugin, noting which component each model became."""

    def __init__(self) -> None:
        super().__init__()
        self.models: dict[int, type[BaseModel]] = {}

    def to_openapi_schema(
        self, field_definition: FieldDefinition, schema_creator: SchemaCreator
    ) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        annotation = field_definition.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            self.models[id(schema)] = annotation
        return schema


def use_model_schemas(components: Components, plugin: ModelSchemas) -> None:
    """Replace, in place, each model's component by pydantic's schema of it.

    Validation mode: the schema of what the server accepts. The responses are the same
    models dumped, which that schema describes as well (every field is always sent).
    """
    schemas = dict(components.schemas or {})
    keys = {
        key: plugin.models[id(value)]
        for key, value in schemas.items()
        if id(value) in plugin.models
    }
    models = sorted(set(keys.values()), key=lambda model: model.__qualname__)
    refs, document = models_json_schema(
        [(model, "validation") for model in models], ref_template=COMPONENTS + "{model}"
    )
    definitions: dict[str, Any] = document.get("$defs", {})
    replaced: dict[str, Any] = dict(schemas)
    replaced.update(definitions)
    for key, model in keys.items():
        name = refs[(model, "validation")]["$ref"].removeprefix(COMPONENTS)
        if name != key:
            replaced[key] = {"$ref": COMPONENTS + name}
    # Plain dicts pass through Litestar's rendering as they are.
    components.schemas = replaced
