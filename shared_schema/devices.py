"""Pairing a tablet."""

from marshmallow import Schema, fields, validate, validates_schema
from marshmallow.exceptions import ValidationError


class PairRequestSchema(Schema):
    """Either username + password, or a one-time pairing code from the dashboard."""

    username = fields.String(validate=validate.Length(1, 50))
    password = fields.String(validate=validate.Length(1, 200))
    pairing_code = fields.String(validate=validate.Regexp(r"^\d{8}$"))
    device_name = fields.String(required=True, validate=validate.Length(1, 100))
    app_version = fields.String(load_default="", validate=validate.Length(0, 30))

    @validates_schema
    def _one_way_to_pair(self, data, **_kwargs) -> None:
        by_password = "username" in data and "password" in data
        if by_password == ("pairing_code" in data):
            raise ValidationError("give username and password, or a pairing_code (not both)")


class PairedUserSchema(Schema):
    id = fields.UUID()
    username = fields.String()
    display_name = fields.String()
    role = fields.String()
    region_code = fields.String(allow_none=True)


class PairResponseSchema(Schema):
    device_id = fields.UUID()
    token = fields.String()
    user = fields.Nested(PairedUserSchema)
    office_name = fields.String()
    server_time = fields.String()
