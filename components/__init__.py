"""Reusable Pulumi ComponentResources that make up a Pangeo hub."""
