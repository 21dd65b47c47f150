"""Datasets: recipes (consolidation pipelines as data) and the immutable, versioned tables they
build, with lineage and diffs."""

from studio.datasets._build import BuildResult, RecipePipeline, name_similarity, suggest_mapping
from studio.datasets._recipe import DedupeStep, PairLabel, Recipe, RecipeInput, TargetColumn
from studio.datasets._store import DatasetStore, VersionDiff

__all__ = [
    "BuildResult",
    "DatasetStore",
    "DedupeStep",
    "PairLabel",
    "Recipe",
    "RecipeInput",
    "RecipePipeline",
    "TargetColumn",
    "VersionDiff",
    "name_similarity",
    "suggest_mapping",
]
