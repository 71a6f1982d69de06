"""Packaging that pyproject.toml cannot say: the top-level ``templates/`` ship in the wheel.

They become the data-only package ``carehub_templates`` next to ``carehub`` in site-packages,
where ``carehub.template_folder()`` looks when there is no checkout. Everything else is in
pyproject.toml.
"""

from setuptools import find_namespace_packages, setup

setup(
    packages=[*find_namespace_packages(include=["carehub*", "scheduler*"]), "carehub_templates"],
    package_dir={"carehub_templates": "templates"},
)
