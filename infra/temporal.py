"""Temporal client construction with the pydantic data converter, and search attributes."""

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client
from temporalio.common import SearchAttributeKey
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError, RPCStatusCode

# Ids only: search attributes are stored unencrypted, so no names or other personal data.
SA_YEAR = SearchAttributeKey.for_int("KinerjaYear")
SA_UNIT = SearchAttributeKey.for_keyword("KinerjaUnit")
SEARCH_ATTRIBUTES = (SA_YEAR, SA_UNIT)  # the stage lives in the read model, not history
# The SDK's marker for a local activity's result (Core's LOCAL_ACTIVITY_MARKER_NAME); patch
# markers are "core_patch". Read by whoever counts a history's activities or steps.
LOCAL_ACTIVITY_MARKER = "core_local_activity"

_INDEXED = {
    "INT": IndexedValueType.INDEXED_VALUE_TYPE_INT,
    "KEYWORD": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
}


def dev_server_search_attribute_args() -> list[str]:
    """`--search-attribute` flags for `temporal server start-dev`."""
    kinds = {"INT": "Int", "KEYWORD": "Keyword"}
    return [
        arg
        for key in SEARCH_ATTRIBUTES
        for arg in ("--search-attribute", f"{key.name}={kinds[key.indexed_value_type.name]}")
    ]


async def connect(address: str, namespace: str = "default") -> Client:
    """A client that speaks pydantic payloads, like every worker and test."""
    return await Client.connect(
        address, namespace=namespace, data_converter=pydantic_data_converter
    )


async def ensure_search_attributes(client: Client, namespace: str = "default") -> None:
    """Register the custom search attributes when missing (the test server needs this first)."""
    try:
        existing = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=namespace)
        )
        known = set(existing.custom_attributes)
    except RPCError as err:  # the time-skipping test server cannot list, only add
        if err.status != RPCStatusCode.UNIMPLEMENTED:
            raise
        known = set()
    missing = {
        key.name: _INDEXED[key.indexed_value_type.name]
        for key in SEARCH_ATTRIBUTES
        if key.name not in known
    }
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=namespace, search_attributes=missing)
        )
