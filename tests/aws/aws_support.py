"""Lookups over recorded plan resources, shared by the aws tests."""


def by_type(resources, kind):
    return [r for r in resources if r["type"] == kind]


def named(resources, kind, name):
    return next(r for r in resources if r["type"] == kind and r["name"] == name)
