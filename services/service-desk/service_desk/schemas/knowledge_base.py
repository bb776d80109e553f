"""What the knowledge-base API accepts and returns."""

from __future__ import annotations

from marshmallow import fields, validate

from crm_shared.schemas import StrictSchema

from ..rules.kb_states import STATES, VISIBILITIES

TAGS = fields.List(
    fields.String(validate=validate.Length(min=1, max=50)), validate=validate.Length(max=20)
)


class ArticleInSchema(StrictSchema):
    """A new article (a draft)."""

    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    body = fields.String(required=True, validate=validate.Length(min=1, max=100000))
    category = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    tags = fields.List(
        fields.String(validate=validate.Length(min=1, max=50)),
        load_default=list,
        validate=validate.Length(max=20),
    )
    language = fields.String(load_default="zh", validate=validate.Length(min=2, max=10))
    visibility = fields.String(load_default="internal", validate=validate.OneOf(VISIBILITIES))


class ArticlePatchSchema(StrictSchema):
    """Changes to an article; a new title or body makes a new version."""

    title = fields.String(validate=validate.Length(min=1, max=300))
    body = fields.String(validate=validate.Length(min=1, max=100000))
    category = fields.String(allow_none=True, validate=validate.Length(max=100))
    tags = TAGS
    language = fields.String(validate=validate.Length(min=2, max=10))
    visibility = fields.String(validate=validate.OneOf(VISIBILITIES))


class ArticleStateSchema(StrictSchema):
    """Move an article to another state."""

    state = fields.String(required=True, validate=validate.OneOf(STATES))


class ArticleSchema(StrictSchema):
    """An article as staff see it."""

    id = fields.UUID()
    title = fields.String()
    body = fields.String()
    category = fields.String(allow_none=True)
    tags = fields.List(fields.String())
    language = fields.String()
    state = fields.String()
    visibility = fields.String()
    version = fields.Integer()
    helpful = fields.Integer()
    not_helpful = fields.Integer()
    updated_at = fields.DateTime()


class PublicArticleSchema(StrictSchema):
    """A published public article as anyone sees it."""

    id = fields.UUID()
    title = fields.String()
    body = fields.String()
    category = fields.String(allow_none=True)
    tags = fields.List(fields.String())
    language = fields.String()
    updated_at = fields.DateTime()


class ArticleListSchema(StrictSchema):
    """Search results, best first."""

    items = fields.List(fields.Nested(ArticleSchema))


class PublicArticleListSchema(StrictSchema):
    """Public search results, best first."""

    items = fields.List(fields.Nested(PublicArticleSchema))


class VersionSchema(StrictSchema):
    """One version of an article."""

    version = fields.Integer()
    title = fields.String()
    body = fields.String()
    edited_by = fields.UUID(allow_none=True)
    edited_at = fields.DateTime()


class VersionListSchema(StrictSchema):
    """Every version, newest first."""

    items = fields.List(fields.Nested(VersionSchema))


class SearchArgsSchema(StrictSchema):
    """A search."""

    q = fields.String(required=True, validate=validate.Length(min=1, max=500))
    language = fields.String(validate=validate.Length(min=2, max=10))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class PublicSearchArgsSchema(SearchArgsSchema):
    """A self-service search; ``visitor`` (their email, if known) counts deflection."""

    visitor = fields.Email(validate=validate.Length(max=254))


class FeedbackSchema(StrictSchema):
    """Was this article helpful?"""

    helpful = fields.Boolean(required=True)


class LinkSchema(StrictSchema):
    """Link an article to a ticket."""

    article_id = fields.UUID(required=True)


class DeflectionArgsSchema(StrictSchema):
    """The period of the deflection figure."""

    since = fields.AwareDateTime(required=True)
    until = fields.AwareDateTime(required=True)


class DeflectionSchema(StrictSchema):
    """Portal searches not followed by a ticket from that visitor within 24 h."""

    since = fields.DateTime()
    until = fields.DateTime()
    searches = fields.Integer()
    deflected = fields.Integer()
    rate = fields.Float(allow_none=True)
