"""Catalog routes: categories, products, price lists."""

from __future__ import annotations

import uuid
from typing import Any

from crm_shared.auth import ADMIN, MANAGER
from crm_shared.web import Blueprint, db_session, idempotent, require_roles

from .. import catalog
from ..models import Product
from ..schemas.catalog import (
    CategoryInSchema,
    CategoryNodeSchema,
    CategoryTreeSchema,
    PriceListInSchema,
    PriceListListSchema,
    PriceListSchema,
    ProductInSchema,
    ProductListArgsSchema,
    ProductPageSchema,
    ProductPatchSchema,
    ProductSchema,
)

products = Blueprint(
    "products", __name__, url_prefix="/api/v1/products", description="Products and categories"
)
price_lists = Blueprint(
    "price_lists", __name__, url_prefix="/api/v1/price-lists", description="Price lists"
)


@products.get("/categories")
@products.response(200, CategoryTreeSchema)
def category_tree() -> dict[str, Any]:
    """The category tree."""
    return {"items": catalog.category_tree(db_session())}


@products.post("/categories")
@require_roles(ADMIN, MANAGER)
@idempotent
@products.arguments(CategoryInSchema)
@products.response(201, CategoryNodeSchema)
def create_category(data: dict[str, Any]) -> dict[str, Any]:
    """A new category (admins and managers)."""
    c = catalog.create_category(db_session(), data)
    return {"id": c.id, "name": c.name, "parent_id": c.parent_id, "children": []}


@products.get("")
@products.arguments(ProductListArgsSchema, location="query", as_kwargs=True)
@products.response(200, ProductPageSchema)
def list_products(**args: Any) -> dict[str, Any]:
    """Products by SKU."""
    items, cursor = catalog.list_products(db_session(), args)
    return {"items": items, "next_cursor": cursor}


@products.post("")
@require_roles(ADMIN, MANAGER)
@idempotent
@products.arguments(ProductInSchema)
@products.response(201, ProductSchema)
def create_product(data: dict[str, Any]) -> Product:
    """A new product (admins and managers); the SKU is unique."""
    return catalog.create_product(db_session(), data)


@products.get("/<uuid:product_id>")
@products.response(200, ProductSchema)
def get_product(product_id: uuid.UUID) -> Product:
    """One product."""
    return catalog.get_product(db_session(), product_id)


@products.patch("/<uuid:product_id>")
@require_roles(ADMIN, MANAGER)
@products.arguments(ProductPatchSchema)
@products.response(200, ProductSchema)
def patch_product(data: dict[str, Any], product_id: uuid.UUID) -> Product:
    """Change or retire a product."""
    return catalog.update_product(db_session(), product_id, data)


@price_lists.get("")
@price_lists.response(200, PriceListListSchema)
def list_price_lists() -> dict[str, Any]:
    """Every price list."""
    return {"items": catalog.list_price_lists(db_session())}


@price_lists.post("")
@require_roles(ADMIN, MANAGER)
@idempotent
@price_lists.arguments(PriceListInSchema)
@price_lists.response(201, PriceListSchema)
def create_price_list(data: dict[str, Any]) -> dict[str, Any]:
    """A new price list (admins and managers)."""
    return catalog.create_price_list(db_session(), data)
