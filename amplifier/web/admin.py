"""Moderation on the web and through the API: admins review, approve, reject and suspend."""

from __future__ import annotations

from fastapi import APIRouter

pages_router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/admin", tags=["admin API"])
