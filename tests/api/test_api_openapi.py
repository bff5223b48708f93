"""The OpenAPI document: every operation has a summary, every request body an example."""

from api.main import create_app


def _has_example(spec: dict, media: dict) -> bool:
    if "example" in media or "examples" in media:
        return True
    schema = media.get("schema", {})
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if "examples" in schema or "example" in schema:
        return True
    props = schema.get("properties", {})
    return bool(props) and all("examples" in p or "example" in p for p in props.values())


def test_every_operation_has_summary_and_body_example():
    spec = create_app().openapi()
    missing = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if not op.get("summary"):
                missing.append(f"{method.upper()} {path}: summary")
            for ctype, media in op.get("requestBody", {}).get("content", {}).items():
                if not _has_example(spec, media):
                    missing.append(f"{method.upper()} {path}: example for {ctype}")
    assert not missing, "\n".join(missing)
