"""Pure rules and types of ASN performance management (stdlib + pydantic only)."""
