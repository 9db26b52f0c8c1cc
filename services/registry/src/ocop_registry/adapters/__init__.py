"""Mongo repositories."""
