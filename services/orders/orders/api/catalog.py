"""Catalog routes: categories, products, price lists."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response

from crm_shared import imports
from crm_shared.auth import ADMIN, MANAGER
from crm_shared.web import Blueprint, current_principal, db_session, idempotent, require_roles

from .. import catalog, catalog_io
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


_UPLOAD_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "mapping": {
                            "type": "string",
                            "description": 'JSON {"CSV column": "field"}',
                        },
                    },
                }
            }
        },
    }
}


@products.post("/imports")
@require_roles(ADMIN, MANAGER)
@products.doc(**_UPLOAD_DOC)
@products.response(202, imports.ImportJobSchema)
def import_products(**_args: Any) -> Any:
    """Upload a product CSV (sku, name, unit, tax_rate, currency, list_price) as an import job."""
    filename, data, form = imports.read_upload("file")
    mapping = imports.upload_mapping(form, options=())
    return imports.create_job(
        db_session(),
        catalog_io.SPEC,
        data=data,
        filename=filename,
        created_by=current_principal().id,
        mapping=mapping,
        max_rows=100_000,
    )


@products.get("/imports/<uuid:import_id>")
@products.response(200, imports.ImportJobSchema)
def get_import(import_id: uuid.UUID) -> Any:
    """A product import's progress and per-row errors."""
    return imports.get_job(
        db_session(), catalog_io.SPEC.kind, import_id, viewer=current_principal()
    )


@products.get("/export.csv")
@products.response(200, description="every product as CSV", content_type="text/csv")
def export_products() -> Response:
    """Every product as CSV (one row per list price), UTF-8 with BOM for spreadsheets."""
    body = "\ufeff" + catalog_io.export_csv(db_session())
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="products.csv"'},
    )


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
