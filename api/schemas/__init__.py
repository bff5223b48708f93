"""Request and response schemas, by family (XCreate, XPublic, XsPublic)."""
