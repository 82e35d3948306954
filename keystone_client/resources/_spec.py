"""`ResourceSpec` and `Access`, where the catalog's readers have always found them."""

from .._resource_spec import Access, ResourceSpec

__all__ = ["Access", "ResourceSpec"]
