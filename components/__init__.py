"""Reusable widgets and pure plotly figure builders shared by the pages."""
