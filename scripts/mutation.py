#!/usr/bin/env python3
"""Mutation testing (mutmut 3) of the modules that hold the studio's invariants.

    .venv/bin/pip install -e ".[test,mutation]"
    .venv/bin/python scripts/mutation.py                     # every module, then the totals
    .venv/bin/python scripts/mutation.py --module sql        # one module
    .venv/bin/python scripts/mutation.py --module sql --retest   # run the surviving mutants again
    .venv/bin/python scripts/mutation.py --report            # only print the stored results
    .venv/bin/python scripts/mutation.py --survivors sql     # the diff of every surviving mutant
    .venv/bin/python scripts/mutation.py --module sql --tests-from bda1d1d   # with the tests of an older commit

Not part of CI: a full run takes hours on two cores. Each module runs in its own folder,
``mutants/<module>/`` (git-ignored), holding links to studio/, tests/, benchmarks/ and pyproject.toml: mutmut
copies them into ``mutants/<module>/mutants/``, mutates only that module's files there, and
runs only the tests listed for it below (of those, for each mutant only the tests that call
the mutated function). Results are kept between runs; ``--fresh`` starts the module over,
``--retest`` runs its surviving and untested mutants again (after tests were added).
``--tests-from COMMIT`` measures with the tests as they were at COMMIT (in
``mutants/<module>@<commit>/``), which is how the figures before a change of the tests are had.

Job workers are separate processes (``python -m studio.jobs.worker``): PYTHONPATH points them
at the mutated copy, and they inherit the mutant to activate (MUTANT_UNDER_TEST) from the
test process, so a mutant in code only a worker runs is still tested. mutmut learns which
tests call which function only in the test process, though: a function called only inside
a worker counts as "no tests" here.

The killed share is (killed + timeout) / mutants, mutmut's own score (a mutant that makes a
test hang was detected), with the mutants listed in EQUIVALENT (which cannot change behaviour,
or only its timing; each with the reason) left out of both.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "mutants"

# module -> (files to mutate, the tests that exercise them)
MODULES: dict[str, tuple[list[str], list[str]]] = {
    "sql": (
        ["studio/sql.py"],
        ["tests/unit/test_sql.py", "tests/unit/test_cli_sql.py"],
    ),
    "versioned": (
        ["studio/versioned.py"],
        # Not the concurrency test (several processes adding at once, half a minute a run), and
        # the contract over the sources (payloads in the lake) and feature recipes (metadata
        # only) alone: the models and datasets run the same code of this module, more slowly.
        [
            "tests/unit/test_store_contract.py", "tests/unit/test_tables.py", "-k",
            "not concurrent_adds and not models and not datasets",
        ],
    ),
    "jobs_store": (
        ["studio/jobs/_store.py"],
        # Not the tests that wait on real worker processes (seconds to a minute each, for every
        # mutant of a function they call): the in-process ones drive every transition.
        [
            "tests/unit/test_jobs.py", "tests/unit/test_cli_jobs.py", "-k",
            "not (ingest_job_runs or failed_job_keeps or cancel_queued_and_running or killed_worker_is or reaping_sweeps"
            " or outlives or slot_limit_wait or point_of_no_return_is or cancelled_job_runs_its or hide_passwords"
            " or past_the_point_of_no_return_says)",
        ],
    ),
    "consolidate": (
        [
            "studio/consolidate/_exact.py",
            "studio/consolidate/_normalize.py",
            "studio/consolidate/_units.py",
            "studio/consolidate/__init__.py",
        ],
        # The example tests alone: the hypothesis ones (80 generated tables each, ten seconds
        # to half a minute a run) would run for every mutant of a function they call, and
        # test_properties and the CLI tests exercise ingest and the command, not these modules.
        [
            "tests/unit/test_exact_dedupe.py", "tests/unit/test_normalize.py", "-k",
            "not (test_invariants or golden_in_scan_order_equals or unit_conversion_round_trips or text_folding_is_idempotent)",
        ],
    ),
    # Fuzzy matching in parts, by file, so each part has its own figure: resolving even a ten-row
    # table trains Splink (seconds), and the accuracy tests resolve 3,000 rows (a minute), so
    # every part runs only the tests that call its functions directly, with hand-built inputs.
    "fuzzy_clustering": (
        ["studio/consolidate/fuzzy/_clustering.py"],
        # Not the hypothesis test over generated pairs (60 examples a run) nor the tests on the
        # 3,000-row fixture: the fixed cases of check_clusters cover the same invariants.
        ["tests/unit/test_fuzzy.py", "-k", "clusters_of_fixed_pairs or labels_are_checked or suggest_threshold or cluster_threshold or chaining_warning or scored_labels"],
    ),
    "fuzzy_config": (
        ["studio/consolidate/fuzzy/_config.py"],
        ["tests/unit/test_fuzzy.py", "-k", "from_json or round_trips or config_is_validated or blocking_keys"],
    ),
    "fuzzy_fixed": (
        ["studio/consolidate/fuzzy/_fixed.py"],
        ["tests/unit/test_fuzzy.py", "-k", "fixed_model or too_small"],
    ),
    "fuzzy_estimates": (
        ["studio/consolidate/fuzzy/_estimates.py", "studio/consolidate/fuzzy/_prepare.py"],
        # The prepared copy, the raw counts and Splink's blocking analysis on a seven-row table;
        # not the tests on the 3,000-row fixture (the ones that resolve it).
        ["tests/unit/test_fuzzy_estimates.py", "tests/unit/test_normalize.py", "-k", "test_fuzzy_estimates or fuzzy_comparisons_see"],
    ),
    "fuzzy_settings": (
        ["studio/consolidate/fuzzy/_settings.py"],
        # The levels of every kind evaluated in DuckDB on pairs of values; no training.
        ["tests/unit/test_fuzzy_settings.py", "tests/unit/test_fuzzy.py", "-k", "test_fuzzy_settings or leading_word"],
    ),
    "fuzzy_suggest": (
        ["studio/consolidate/fuzzy/_suggest.py"],
        # The kinds, the profile and the blocking rules on small tables; not the suggestion for
        # the 3,000-row fixture (seconds to build, for every mutant of a function it calls).
        ["tests/unit/test_fuzzy_suggest.py", "tests/unit/test_fuzzy.py", "-k", "test_fuzzy_suggest or suggest_config_skips or suggest_config_on_a_small"],
    ),
    "fuzzy_sql": (
        ["studio/consolidate/fuzzy/_sql.py"],
        ["tests/unit/test_fuzzy_estimates.py", "tests/unit/test_fuzzy_suggest.py"],
    ),
    "fuzzy_training": (
        ["studio/consolidate/fuzzy/_training.py"],
        # Its parts on hand-built models and tables, and EM itself (train, _em) on ten rows with
        # the row floor lowered (seconds); not the EM on 68 shops nor the tests that resolve
        # hundreds or thousands of rows (seconds to a minute each, for every mutant they reach).
        # Nor resolve on ten rows (fuzzy_resolve's), so train's fixed-probability path and
        # progress messages survive here although those tests check them.
        ["tests/unit/test_fuzzy_training.py", "-k", "not (resolve_reports or five_labels or one_row_table or 68_shops)"],
    ),
    "fuzzy_resolve": (
        [
            "studio/consolidate/fuzzy/_resolve.py", "studio/consolidate/fuzzy/_linker.py", "studio/consolidate/fuzzy/_progress.py",
            "studio/consolidate/fuzzy/__init__.py",
        ],
        # resolve on ten rows and on one (fixed probabilities, a second or two each), its pairs
        # table and histogram on hand-built predictions.
        ["tests/unit/test_fuzzy_training.py", "-k", "resolve_reports or five_labels or one_row_table or pairs_table or score_one or histogram or progress or splink_quiet"],
    ),
}

# Surviving mutants left out of the score, by mutmut's name, with the reason: most cannot change
# behaviour at all; the rest change only timing (how often a loop polls or reaps) or differ only
# at a float equal to the clock's own reading or past 10,000 jobs, which no test can set up
# without wall-clock assertions. mutmut numbers the mutants of a function in order, so the list
# is to be read again whenever one of these functions changes.
_KIND = "str(StatementType.X) has exactly one dot: every split of it ends in the same last part"
_CAP = "the reaper's cap of 10,000 jobs per state against none or 10,001: differs only past 10,000 jobs in one state"
_STRIP = "the tokenizer makes , ; ( and ) tokens of their own, so no identifier's text ends in one (defensive)"
_NO_UNIT = "the text read for a missing unit ('', 'None' or 'XXXX') is no unit either way: the same refusal"
_TO_GIVEN = "a unit conversion's 'to' is required (an unknown or missing one is refused), so .get('to') and .get('to', '') agree"
_CFK = "c, f and k are in ALIASES, so the upper-casing fallback for them is never reached"
_SCRATCH = "the word in a scratch table's name (unique by its random suffix, dropped after use)"
_F1_SCALE = "F1 scaled by a constant factor: the same cut has the highest score"
_BELOW = "the probabilities are distinct and sorted, so below < cut but for 0 and 0, whose halfway is 0 too"
EQUIVALENT: dict[str, str] = {
    "studio.sql.x__statement_kind__mutmut_21": _KIND,
    "studio.sql.x__statement_kind__mutmut_22": _KIND,
    "studio.sql.x__statement_kind__mutmut_26": _KIND,
    "studio.sql.x__statement_kind__mutmut_27": _KIND,
    "studio.sql.x_run_sql__mutmut_17": "fetching two rows past the limit instead of one: rows[:limit] and len(rows) > limit are the same",
    "studio.sql.x_referenced_names__mutmut_18": _STRIP,
    "studio.sql.x_referenced_names__mutmut_19": _STRIP,
    "studio.sql.x_referenced_names__mutmut_20": _STRIP,
    # versioned
    "studio.versioned.xǁVersionedStoreǁdelete__mutmut_23": "the asset's versions go with it anyway: asset_versions.asset_id is ON DELETE CASCADE",
    "studio.versioned.xǁVersionedStoreǁ_release_if_unused__mutmut_11": "v.join(a) without ON infers the same join from the foreign key",
    "studio.versioned.xǁVersionedStoreǁ_release_if_unused__mutmut_13": "v.join(a) without ON infers the same join from the foreign key",
    "studio.versioned.xǁVersionedStoreǁ_select__mutmut_4": "each kind lives in one namespace, so the kinds filter implies the namespace",
    "studio.versioned.xǁVersionedStoreǁ_select__mutmut_7": "join(a) without ON infers the same join from the foreign key",
    "studio.versioned.xǁVersionedStoreǁ_select__mutmut_9": "join(a) without ON infers the same join from the foreign key",
    "studio.versioned.xǁVersionedStoreǁ_not_found__mutmut_4": "a committed asset is seen on a connection of its own too; no caller asks inside the transaction that adds it",
    "studio.versioned.xǁVersionedStoreǁ_not_found__mutmut_7": "_first takes the first row: LIMIT 1, 2 or none give the same",
    "studio.versioned.xǁVersionedStoreǁ_not_found__mutmut_11": "_first takes the first row: LIMIT 1, 2 or none give the same",
    "studio.versioned.xǁVersionedStoreǁget__mutmut_20": "as _not_found__mutmut_4: the lookup on a connection of its own sees the same",
    "studio.versioned.xǁVersionedStoreǁget__mutmut_23": "as _not_found__mutmut_4: the lookup on a connection of its own sees the same",
    "studio.versioned.xǁVersionedStoreǁ_commit_version__mutmut_46": ".first() of the newest-first versions: LIMIT 1, 2 or none give the same",
    "studio.versioned.xǁVersionedStoreǁ_commit_version__mutmut_54": ".first() of the newest-first versions: LIMIT 1, 2 or none give the same",
    "studio.versioned.xǁVersionedStoreǁget__mutmut_14": "_first takes the first row (the newest, by the ORDER BY): LIMIT 1, 2 or none give the same",
    "studio.versioned.xǁVersionedStoreǁget__mutmut_16": "_first takes the first row (the newest, by the ORDER BY): LIMIT 1, 2 or none give the same",
    "studio.versioned.xǁVersionedStoreǁ_transaction__mutmut_7": "the message of an unreachable AssertionError (every attempt returns or raises)",
    "studio.versioned.xǁVersionedStoreǁ_transaction__mutmut_8": "the message of an unreachable AssertionError (every attempt returns or raises)",
    "studio.versioned.xǁVersionedStoreǁ_transaction__mutmut_9": "the message of an unreachable AssertionError (every attempt returns or raises)",
    "studio.versioned.xǁVersionedStoreǁ_commit_version__mutmut_59": "the unchanged version is the newest: get() without a version reads the same",
    "studio.versioned.xǁVersionedStoreǁ_commit_version__mutmut_62": "the unchanged version is the newest: get() without a version reads the same",
    "studio.versioned.xǁVersionedStoreǁ_commit_version__mutmut_60": "the unchanged version was committed before: a connection of its own reads the same",
    "studio.versioned.xǁVersionedStoreǁ_commit_version__mutmut_63": "the unchanged version was committed before: a connection of its own reads the same",
    "studio.versioned.xǁVersionedStoreǁ_commit_version__mutmut_88": "the version just inserted is the newest: get() without a version reads the same",
    "studio.versioned.xǁVersionedStoreǁ_commit_version__mutmut_91": "the version just inserted is the newest: get() without a version reads the same",
    # jobs
    "studio.jobs._store.xǁJobStoreǁwait_for_slot__mutmut_1": "the default poll interval: how soon, not whether, a waiting worker claims",
    "studio.jobs._store.xǁJobStoreǁwait_for_slot__mutmut_3": "last_reap 0 or 1 at the start: now - last_reap > 5 either way on the first loop",
    "studio.jobs._store.xǁJobStoreǁwait_for_slot__mutmut_10": "reaping on every poll instead of every 5 s: how often, not whether",
    "studio.jobs._store.xǁJobStoreǁwait_for_slot__mutmut_11": "reaping after 5 s or more instead of more than 5 s: how often, not whether",
    "studio.jobs._store.xǁJobStoreǁwait_for_slot__mutmut_12": "reaping every 6 s instead of 5 s: how often, not whether",
    "studio.jobs._store.xǁJobStoreǁsubmit__mutmut_21": "progress 0.0 is the column's default (meta.jobs)",
    "studio.jobs._store.xǁJobStoreǁsubmit__mutmut_24": "cancel_requested False is the column's default (meta.jobs)",
    "studio.jobs._store.xǁJobStoreǁcancel_and_wait__mutmut_26": "> or >= the deadline: equal only within one tick of the monotonic clock",
    "studio.jobs._store.xǁJobStoreǁlogs__mutmut_3": "without ORDER BY the log lines still come in insertion (rowid) order on SQLite; no test can tell",
    "studio.jobs._store.xǁJobStoreǁreap__mutmut_9": _CAP,
    "studio.jobs._store.xǁJobStoreǁreap__mutmut_13": _CAP,
    "studio.jobs._store.xǁJobStoreǁreap__mutmut_39": _CAP,
    "studio.jobs._store.xǁJobStoreǁreap__mutmut_43": _CAP,
    "studio.jobs._store.xǁJobStoreǁreap__mutmut_25": "> or >= on a heartbeat exactly the timeout old: only a float equal to the reaper's own clock reading",
    "studio.jobs._store.xǁJobStoreǁreap__mutmut_55": "> or >= on a job exactly the timeout old: only a float equal to the reaper's own clock reading",
    "studio.jobs._store.xǁJobStoreǁreap__mutmut_37": "failing a job listed as running only if still running or if still active: a running job never becomes queued again",
    "studio.jobs._store.xǁJobStoreǁreap__mutmut_40": "the second loop over every job instead of the queued: its update is conditional on queued, so no other job changes",
    "studio.jobs._store.xǁJobStoreǁreap__mutmut_42": "the second loop over every job instead of the queued: its update is conditional on queued, so no other job changes",
    "studio.jobs._store.xǁJobStoreǁcancel_and_wait__mutmut_1": "the default poll interval: how soon, not what, the answer is",
    "studio.jobs._store.xǁJobStoreǁclaim__mutmut_3": "the alias of the jobs table in the subqueries: any name (or none) is the same query",
    "studio.jobs._store.xǁJobStoreǁclaim__mutmut_4": "the alias of the jobs table in the subqueries: any name (or none) is the same query",
    "studio.jobs._store.xǁJobStoreǁclaim__mutmut_5": "the alias of the jobs table in the subqueries: any name (or none) is the same query",
    "studio.jobs._store.xǁJobStoreǁclaim__mutmut_31": "'select' or 'SELECT': SQL keywords ignore case",
    "studio.jobs._store.xǁJobStoreǁclaim__mutmut_20": "> or >= on a heartbeat exactly the timeout old: only a float equal to the claim's own clock reading",
    # consolidate
    **{f"studio.consolidate._exact.x__order_terms__mutmut_{n}": "'DESC'/'ASC' or lower case: SQL keywords ignore case" for n in (9, 24, 33)},
    "studio.consolidate._exact.xǁDedupePlanǁremoved_by__mutmut_13": "the alias r or R: SQL identifiers ignore case",
    "studio.consolidate._exact.xǁDedupePlanǁremoved_by__mutmut_21": "the alias s or S: SQL identifiers ignore case",
    "studio.consolidate._exact.xǁDedupePlanǁgolden__mutmut_28": "the alias g or G: SQL identifiers ignore case",
    "studio.consolidate._exact.x_exact_dedupe_plan__mutmut_38": "' OR ' or ' or ': SQL keywords ignore case",
    **{f"studio.consolidate._normalize.x__null_if__mutmut_{n}": "the case of a default placeholder: every value is lower-cased before use" for n in (10, 12, 14, 16)},
    **{f"studio.consolidate._normalize.x__convert_currency__mutmut_{n}": "the text read for a missing 'from' ('', 'NONE' or 'XXXX') is no currency code either way: the same refusal" for n in (36, 38, 41)},
    **{f"studio.consolidate._exact.xǁDedupePlanǁ_sided_terms__mutmut_{n}": "reverse text order also puts a quoted name before its prefixes, all the one-pass match needs" for n in (3, 6)},
    "studio.consolidate._normalize.x__parse_date__mutmut_24": "as_date defaulting to None or False: both falsy",
    "studio.consolidate._normalize.x__parse_date__mutmut_26": "as_date defaulting to None or False: both falsy",
    **{f"studio.consolidate._normalize.x__convert_unit__mutmut_{n}": _NO_UNIT for n in (5, 7, 10, 50, 52, 55)},
    **{f"studio.consolidate._normalize.x_normalized_select__mutmut_{n}": _TO_GIVEN for n in (23, 29, 30)},
    **{f"studio.consolidate._units.x_canonical_unit__mutmut_{n}": _CFK for n in (8, 10, 11, 12, 13, 14, 15, 16)},
    # fuzzy clustering
    "studio.consolidate.fuzzy._clustering.x__labels_table__mutmut_1": "the labels scratch table named None: still a temp table of its own, dropped after use",
    **{f"studio.consolidate.fuzzy._clustering.x__labels_table__mutmut_{n}": _SCRATCH for n in (2, 3, 4)},
    **{f"studio.consolidate.fuzzy._clustering.x_cluster_pairs__mutmut_{n}": _SCRATCH for n in range(33, 39)},
    "studio.consolidate.fuzzy._clustering.x_suggest_threshold__mutmut_21": _F1_SCALE,
    "studio.consolidate.fuzzy._clustering.x_suggest_threshold__mutmut_31": _F1_SCALE,
    "studio.consolidate.fuzzy._clustering.x_suggest_threshold__mutmut_44": _BELOW,
    "studio.consolidate.fuzzy._clustering.x_suggest_threshold__mutmut_48": _BELOW,
    "studio.consolidate.fuzzy._clustering.x_suggest_threshold__mutmut_51": "> or >= best + 1e-12: F1 values differ only within 1e-12 of that margin",
    "studio.consolidate.fuzzy._clustering.x_suggest_threshold__mutmut_67": "the cap of 1.0 or 2.0: a threshold halfway between probabilities (at most 1) never exceeds 1",
    "studio.consolidate.fuzzy._clustering.x_scored_labels__mutmut_7": "TRUE or true: SQL keywords ignore case",
    "studio.consolidate.fuzzy._clustering.x_chaining_warning__mutmut_6": "// or / 100: an integer cluster size is at most x exactly when at most floor(x)",
    "studio.consolidate.fuzzy._clustering.x_chaining_warning__mutmut_7": "times or divided by CHAINED_CLUSTER_PERCENT, which is 1",
    # fuzzy fixed probabilities
    "studio.consolidate.fuzzy._fixed.x_fixed_model__mutmut_47": "a cap of 0.5 or 1.5: MATCHES_PER_ROW (0.5) over at least 1 never exceeds 0.5",
    # fuzzy estimates and the prepared copy
    "studio.consolidate.fuzzy._estimates.x_raw_counts__mutmut_3": "key_sql's side None or '': both falsy, the bare column either way",
    "studio.consolidate.fuzzy._estimates.x_raw_counts__mutmut_13": "' AND ' or ' and ': SQL keywords ignore case",
    "studio.consolidate.fuzzy._estimates.x__splink_counts__mutmut_7": "<= or < 3,000,000 pairs: at exactly 3,000,000 the sample's share is sqrt(1) = 1.0 either way",
    **{f"studio.consolidate.fuzzy._estimates.x__splink_counts__mutmut_{n}": "the name Splink gives the prepared table inside its analysis (dropped after)" for n in (19, 21)},
    "studio.consolidate.fuzzy._estimates.x__splink_counts__mutmut_28": "SQL keywords ignore case",
    "studio.consolidate.fuzzy._estimates.x__splink_counts__mutmut_50": "unregister('result_df') or ('RESULT_DF'): DuckDB view names ignore case",
    **{f"studio.consolidate.fuzzy._estimates.x__splink_counts__mutmut_{n}": "the count of a rule Splink leaves out: it reports every rule (match keys 0 to n-1)" for n in (60, 65)},
    **{f"studio.consolidate.fuzzy._estimates.x_refuse_if_too_many__mutmut_{n}": "_estimate without the raw counts counts them again: the same numbers, only slower" for n in (16, 20)},
    **{f"studio.consolidate.fuzzy._prepare.x_normalized_sql__mutmut_{n}": "a DATE column cast to DATE is the column itself" for n in (21, 22)},
    **{f"studio.consolidate.fuzzy._prepare.x_prepare__mutmut_{n}": _SCRATCH for n in (68, 69, 70)},
    # fuzzy settings and SQL helpers
    "studio.consolidate.fuzzy._settings.x_comparison_dict__mutmut_62": "' OR ' or ' or ': SQL keywords ignore case",
    **{f"studio.consolidate.fuzzy._sql.x_is_text__mutmut_{n}": "'ENUM' in the list or not: startswith('ENUM') takes it too" for n in (13, 14)},
    # fuzzy suggestion
    "studio.consolidate.fuzzy._suggest.x__profile__mutmut_24": "an alias split off at its last ' AS ' or its last space: the aliases have no spaces",
    "studio.consolidate.fuzzy._suggest.x__kind_for__mutmut_8": "a column filled once has at most one distinct value: left out either way",
    **{f"studio.consolidate.fuzzy._suggest.x_suggest_config__mutmut_{n}": "max(1, rows) or max(2, rows): a compared column has two values, so two rows at least" for n in (64, 84)},
    "studio.consolidate.fuzzy._suggest.x_suggest_config__mutmut_100": "DEFAULT_MAX_COMPARISONS // 2 or / 2 under int(): 20,000,000 is even",
    **{f"studio.consolidate.fuzzy._suggest.x__suggest_blocking__mutmut_{n}": "every comparison kind is a blocking kind: the fallback to all comparisons is never taken" for n in (3, 4, 5)},
    "studio.consolidate.fuzzy._suggest.x__suggest_blocking__mutmut_13": "the sample's scratch table named None: still a temp table of its own, dropped after use",
    **{f"studio.consolidate.fuzzy._suggest.x__suggest_blocking__mutmut_{n}": _SCRATCH for n in (14, 15, 16)},
    "studio.consolidate.fuzzy._suggest.x__suggest_blocking__mutmut_28": "key_sql's side None or '': both falsy, the bare column either way",
    "studio.consolidate.fuzzy._suggest.x__suggest_blocking__mutmut_83": "' AND ' or ' and ': SQL keywords ignore case",
    "studio.consolidate.fuzzy._suggest.x__suggest_blocking__mutmut_111": "max(sampled, 1) or 2: one sampled row only for a one-row table, which suggest_config refuses first",
    "studio.consolidate.fuzzy._suggest.x__suggest_blocking__mutmut_113": "rows * (rows - 1) is even: / 2 and // 2 are the same number",
    "studio.consolidate.fuzzy._suggest.x__suggest_blocking__mutmut_157": "the recall before the first rule 0 or 1: every first gain shifts alike (the stopping rule starts at two rules)",
    "studio.consolidate.fuzzy._suggest.x__suggest_blocking__mutmut_169": "a chosen rule's keys equal to an option's only for the same rule, skipped already",
    # fuzzy training and resolve
    **{f"studio.consolidate.fuzzy._training.x_{f}__mutmut_2": "rows * (rows - 1) is even: / 2 and // 2 are the same number" for f in ("train", "_em")},
    "studio.consolidate.fuzzy._training.x__redundant_columns__mutmut_14": "'true' or 'TRUE': SQL keywords ignore case",
    "studio.consolidate.fuzzy._training.x__redundant_columns__mutmut_63": "pa or pb 0 leaves pab 0, below 95 % of the other: skipped by the next test either way",
    "studio.consolidate.fuzzy._training.x__implied_columns__mutmut_2": "key_sql's side None or '': both falsy, the bare column either way",
    "studio.consolidate.fuzzy._training.x__implied_columns__mutmut_12": "' AND ' or ' and ': SQL keywords ignore case",
    "studio.consolidate.fuzzy._training.x__rule_for_untrained__mutmut_41": "' AND ' or ' and ': SQL keywords ignore case",
    "studio.consolidate.fuzzy._training.x__set_m__mutmut_29": "two more default shares than levels: the extra ones are never read",
    **{f"studio.consolidate.fuzzy._training.x__lambda__mutmut_{n}": "filled holds every prepared column (_filled_shares over kinds): the default is never read" for n in (24, 26, 27)},
    "studio.consolidate.fuzzy._training.x__lambda__mutmut_49": "an unknown m taken as 1 or 2: agreement is capped at 1 right after",
    "studio.consolidate.fuzzy._training.x__lambda__mutmut_105": "max(rows - 1, 1) or 2: at two rows or fewer, 10 / 1 and 10 / 2 are both over the cap of 0.5",
    "studio.consolidate.fuzzy._training.x__lambda__mutmut_121": "max(pairs, 1) or 2: at one pair or none, 1 / 1 and 1 / 2 are both at or over the cap of 0.5",
    **{f"studio.consolidate.fuzzy._training.x_describe_model__mutmut_{n}": "the label of a level without one: comparison_dict labels every level" for n in (58, 60, 63)},
    **{f"studio.consolidate.fuzzy._linker.x__linker__mutmut_{n}": "the name Splink gives the prepared table it reads (dropped after)" for n in (5, 7)},
    **{f"studio.consolidate.fuzzy._resolve.x__pairs_table__mutmut_{n}": _SCRATCH for n in (2, 3, 4)},
    **{f"studio.consolidate.fuzzy._resolve.x__pairs_table__mutmut_{n}": "SQL keywords ignore case" for n in (23, 27)},
}

STATUS = {  # mutmut's exit codes (mutmut.stats.status_by_exit_code), the ones we print
    1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 34: "skipped",
    36: "timeout", -24: "timeout", 24: "timeout", 152: "timeout", 255: "timeout", None: "not checked",
}

# Runs inside mutants/<module>/: mutmut's configuration from pyproject's [tool.mutmut], with
# this module's files and tests, then `mutmut run` (or the named mutants).
BOOT = """
import dataclasses, json, sys
import mutmut.configuration as configuration
import mutmut.__main__ as mutmut_main
only, tests, children, names = json.loads(sys.argv[1])
configuration._config = dataclasses.replace(
    configuration._load_config(), only_mutate=only, pytest_add_cli_args_test_selection=tests
)
mutmut_main.cli(["run", "--max-children", str(children), *names], standalone_mode=True)
"""


def folder_of(module: str, tests_from: str | None) -> Path:
    return WORK / (f"{module}@{tests_from}" if tests_from else module)


def prepare(module: str, fresh: bool, tests_from: str | None = None) -> Path:
    folder = folder_of(module, tests_from)
    if fresh and folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("studio", "tests", "benchmarks", "pyproject.toml"):
        link = folder / name
        if name == "tests" and tests_from:
            if not link.exists():  # that commit's tests, not a link to today's
                archive = subprocess.run(["git", "archive", tests_from, "tests"], cwd=ROOT, check=True, capture_output=True).stdout
                subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
        elif not link.is_symlink():
            link.symlink_to(Path("..") / ".." / name)
    return folder


def results(module: str, tests_from: str | None = None) -> dict[str, str]:
    """mutant name -> status, from the meta files mutmut keeps beside the mutated copies."""
    out: dict[str, str] = {}
    for meta in sorted((folder_of(module, tests_from) / "mutants").rglob("*.py.meta")):
        for _ in range(50):  # a running mutmut rewrites the file after every mutant
            try:
                data = json.loads(meta.read_text())
                break
            except json.JSONDecodeError:
                time.sleep(0.1)
        else:
            raise SystemExit(f"{meta} is not JSON")
        for name, code in data.get("exit_code_by_key", {}).items():
            out[name] = STATUS.get(code, "suspicious")
    return out


def run(module: str, children: int, names: list[str], tests_from: str | None) -> int:
    only, tests = MODULES[module]
    folder = prepare(module, fresh=False, tests_from=tests_from)
    # Job workers import the mutated copy. The folder must exist before Python starts: a path
    # entry that is missing then is skipped for the rest of the process (importer cache).
    (folder / "mutants").mkdir(exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(folder / "mutants")}
    payload = json.dumps([only, tests, children, names])
    return subprocess.call([sys.executable, "-c", BOOT, payload], cwd=folder, env=env)


def row(label: str, statuses: list[str]) -> tuple[str, int, int]:
    counts = Counter(statuses)
    total = len(statuses)
    detected = counts["killed"] + counts["timeout"]
    other = total - detected - counts["survived"]
    share = f"{100 * detected / total:5.1f} %" if total else "    -"
    print(f"{label:<14}{total:>8}{counts['killed']:>8}{counts['survived']:>9}{counts['timeout']:>8}{other:>20}   {share}")
    return label, total, detected


def report(modules: list[str], tests_from: str | None = None) -> None:
    print(f"\n{'module':<14}{'mutants':>8}{'killed':>8}{'survived':>9}{'timeout':>8}{'suspicious/no tests':>20}   killed share")
    every: list[str] = []
    left_out = 0
    for module in modules:
        found = results(module, tests_from)
        statuses = [s for name, s in found.items() if name not in EQUIVALENT]
        left_out += len(found) - len(statuses)
        every += statuses
        row(module, statuses)
    if len(modules) > 1:
        row("total", every)
    if left_out:
        print(f"({left_out} equivalent mutants left out; see EQUIVALENT in {Path(__file__).name})")


def survivors(module: str, untested: bool = False, tests_from: str | None = None) -> list[str]:
    """The surviving mutants (with ``untested``, also those no test reached)."""
    wanted = {"survived", "no tests"} if untested else {"survived"}
    return [name for name, status in results(module, tests_from).items() if status in wanted and name not in EQUIVALENT]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--module", action="append", choices=sorted(MODULES), help="module to test (repeatable; default all)")
    parser.add_argument("--max-children", type=int, default=1, help="mutants tested at once (default 1)")
    parser.add_argument("--fresh", action="store_true", help="forget the module's stored results first")
    parser.add_argument("--retest", action="store_true", help="test the surviving and untested mutants again")
    parser.add_argument("--report", action="store_true", help="only print the stored results")
    parser.add_argument("--survivors", metavar="MODULE", choices=sorted(MODULES), help="show each surviving mutant's diff")
    parser.add_argument("--tests-from", metavar="COMMIT", help="measure with the tests as they were at COMMIT")
    args = parser.parse_args()
    modules = args.module or list(MODULES)
    if args.survivors:
        folder = folder_of(args.survivors, args.tests_from)
        for name in survivors(args.survivors, tests_from=args.tests_from):
            subprocess.call([sys.executable, "-m", "mutmut", "show", name], cwd=folder)
        return 0
    if not args.report:
        for module in modules:
            if args.fresh:
                prepare(module, fresh=True, tests_from=args.tests_from)
            names = survivors(module, untested=True, tests_from=args.tests_from) if args.retest else []
            if args.retest and not names:
                continue
            code = run(module, args.max_children, names, args.tests_from)
            if code != 0:
                print(f"mutmut stopped with exit status {code} on {module}", file=sys.stderr)
                return code
    report(modules, args.tests_from)
    return 0


if __name__ == "__main__":
    sys.exit(main())
