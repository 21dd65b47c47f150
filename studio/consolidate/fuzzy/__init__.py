"""Fuzzy entity resolution: Splink (Fellegi-Sunter) on the caller's DuckDB connection.

A ``FuzzyConfig`` is data: which columns to compare and how (a *kind*, one of
``COMPARISON_KINDS``), which blocking rules generate the candidate pairs (each rule a tuple of
columns that must be equal, ``"col:3"`` meaning the first 3 characters), the match-probability
threshold for clustering and a cap on the number of comparisons. No SQL is ever taken from the
user: every expression is built here from validated column names and kinds.

``resolve`` runs the whole model on the table in place, inside DuckDB:

1. a prepared copy of the compared columns, normalized per kind (case, accents, spaces,
   punctuation; dates and numbers cast), under safe internal names (``_prepare``);
2. a refusal when the blocking rules would generate more than ``max_comparisons`` pairs
   (``_estimates``);
3. u probabilities from random pairs (``estimate_u_using_random_sampling``, deterministic under
   ``config.seed``); m probabilities by expectation maximisation blocking on each rule, one
   independent session per rule, each level's m the median over the sessions that could
   estimate it; a comparison that every rule blocks on gets one more EM session on a rule built
   from other columns, or keeps Splink's defaults (``parameters`` says which). Redundancy is
   taken out first, as it drives EM to "every pair matches": a compared column that duplicates
   another (a city with exactly one zip) scores nothing and is not trained, and a session does
   not train a column that its rule's blocks (nearly) always agree on (the city when blocking
   on the zip). The probability that two random records match is derived from the sessions'
   shares of matches and their rules' pair counts, capped at ``MAX_MATCHES_PER_ROW`` matches a
   row (``_training``, with the Splink settings of ``_settings`` and linkers of ``_linker``).
   A table under ``MIN_TRAINING_ROWS`` rows is too small for EM (as is a config under which no
   session trains anything): m and lambda are then fixed (``_fixed``), and the result says so;
4. predictions over the blocking rules (a pair equal on every compared column scores 1.0,
   whatever the model), then clustering by connected components in DuckDB (``_clustering``),
   labels applied.

``suggest_config`` (``_suggest``) proposes comparisons and blocking rules from the data.
Cluster ids are the smallest row id of the cluster, so results do not depend on thread
scheduling, and training samples are hash based, so the same data and seed give the same result.
"""

from studio.consolidate.fuzzy._clustering import chaining_warning, cluster_pairs, suggest_threshold
from studio.consolidate.fuzzy._config import COMPARISON_KINDS, FieldComparison, FuzzyConfig
from studio.consolidate.fuzzy._estimates import ComparisonBudget, comparison_budget, estimate_comparisons
from studio.consolidate.fuzzy._resolve import FuzzyResult, resolve
from studio.consolidate.fuzzy._suggest import suggest_config

__all__ = [
    "COMPARISON_KINDS",
    "ComparisonBudget",
    "FieldComparison",
    "FuzzyConfig",
    "FuzzyResult",
    "chaining_warning",
    "cluster_pairs",
    "comparison_budget",
    "estimate_comparisons",
    "resolve",
    "suggest_config",
    "suggest_threshold",
]
