"""Helpers for enums stored as their string values, with translatable titles beside them."""

from __future__ import annotations

import enum

from sqlalchemy import Enum


def enum_column_type(enum_class: type[enum.Enum], length: int = 20) -> Enum:
    """A portable VARCHAR column holding the enum's values (not its member names)."""
    return Enum(
        enum_class,
        native_enum=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )
