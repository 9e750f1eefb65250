"""Deterministic demo master data for the Jakarta demo tenant (pure Python, no database)."""

from backend.demo.world import DemoWorld, build_world, world_summary

__all__ = ["DemoWorld", "build_world", "world_summary"]
