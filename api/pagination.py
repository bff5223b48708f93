"""Page/size query parameters shared by every listing."""

from typing import Annotated

from fastapi import Depends, Query
from pydantic import BaseModel


class Page(BaseModel):
    """1-based page of `size` rows."""

    page: int
    size: int

    @property
    def offset(self) -> int:
        """Rows to skip."""
        return (self.page - 1) * self.size


def _page(
    page: Annotated[int, Query(ge=1, le=100_000, description="1-based page")] = 1,
    size: Annotated[int, Query(ge=1, le=200, description="rows per page")] = 50,
) -> Page:
    return Page(page=page, size=size)


PageDep = Annotated[Page, Depends(_page)]
