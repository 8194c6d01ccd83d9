"""Template filters of the desk workspace."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def person(user) -> str:
    """A staff member's name the Vietnamese way, family name first ("Trần Thị Lan"); the
    username when no name is recorded."""
    if user is None:
        return ""
    name = " ".join(part for part in (user.last_name, user.first_name) if part).strip()
    return name or user.get_username()
