"""Datasets: recipes (consolidation pipelines as data) and the immutable, versioned tables they
build, with lineage and diffs."""

from studio.datasets._build import BuildResult, RecipePipeline
from studio.datasets._diff import VersionDiff
from studio.datasets._mapping import name_similarity, suggest_mapping
from studio.datasets._recipe import DedupeStep, PairLabel, Recipe, RecipeInput, TargetColumn
from studio.datasets._review import FuzzyReview, ReviewStore, review_key
from studio.datasets._store import DatasetStore

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
    "name_similarity",
    "review_key",
    "suggest_mapping",
]
