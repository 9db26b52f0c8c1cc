"""Mongo repositories, the unit of work, and outside libraries (administrative units, spreadsheets)."""
