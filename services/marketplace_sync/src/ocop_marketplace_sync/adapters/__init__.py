"""Mongo repositories and outside clients."""
