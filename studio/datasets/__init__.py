"""Datasets: recipes (consolidation pipelines as data) and the immutable, versioned tables they
build, with lineage and diffs."""

from studio.datasets._build import BuildResult, RecipePipeline, name_similarity, suggest_mapping
from studio.datasets._recipe import DedupeStep, PairLabel, Recipe, RecipeInput, TargetColumn
from studio.datasets._review import FuzzyReview, ReviewStore, comparison_estimates, review_key, suggested_config
from studio.datasets._store import DatasetStore, VersionDiff

__all__ = [
    "BuildResult",
    "DatasetStore",
    "DedupeStep",
    "FuzzyReview",
    "PairLabel",
    "Recipe",
    "RecipeInput",
    "RecipePipeline",
    "ReviewStore",
    "TargetColumn",
    "VersionDiff",
    "comparison_estimates",
    "name_similarity",
    "review_key",
    "suggest_mapping",
    "suggested_config",
]
