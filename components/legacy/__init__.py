"""The old deployment during a migration: stopping its hub, adopting and removing its resources."""
