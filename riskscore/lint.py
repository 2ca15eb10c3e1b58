"""Policy lint: checks a loaded policy for weightings a supervisor would question.

``riskscore validate`` runs it after the schema and reference checks. Each finding has an
id, a severity, a subject and the file:line it concerns; a policy can suppress a finding
in its ``lint.suppress`` section, with a reason that every report repeats.

The ``eba-*`` checks follow the weighting principles of the EBA ML/TF Risk Factors
Guidelines (EBA/GL/2021/02; the issue that introduced this lint points to paragraph
3.6). They are stated here in our own words, as automatic checks, not as the text of the
guidelines:

``eba-dominant-factor`` (error)
    No single factor may weigh more than ``lint.max_factor_weight`` (default 0.5).
``eba-top-tier-unreachable`` (error)
    The highest tier must be reachable, by the weighted score or by an override.
``eba-statutory-high`` (error)
    A statutory high-risk situation, a link to a country on a FATF call-for-action or a
    comprehensive-sanctions list (``lint.statutory_lists``), must never end below the
    ``high`` tier: a prohibit or floor override must cover it for every country field
    (incorporation, operations, owners, trade partners), or the weighting alone must
    guarantee it. Subjects are ``list:field``.
``eba-override-rationale`` (warning)
    Every override must explain itself: a rationale of at least four words and twenty
    characters that is not a placeholder such as "TODO".

Other checks: ``undeclared-attribute`` (warning) for an attribute read by a policy that
declares no ``attributes`` (see :mod:`riskscore.attributes`), ``unreachable-tier`` (warning) for a tier no score can land in,
``dead-rule`` / ``dead-override`` (warning) for what can never fire, and
``unused-suppression`` (warning) for a suppression that matched nothing.

Checks of the data behind the weights:

``unknown-category`` (error)
    A ``category_points`` key that no period of the list carries: a typo there silently
    scores the list's categorised countries with the plain ``points``.
``future-review`` (error)
    A list ``reviewed`` after today (the real date, not the as-of date): it would hide every
    staleness warning until then. Located at the list file's ``reviewed``.
``stale-list`` (warning)
    A list the policy uses is past its review horizon (``reviewed + review_interval_days``)
    on the as-of date (default today), so every score on that date warns;
    ``riskscore validate --strict [--as-of D]`` fails on it.

The checks live in private modules by topic: ``riskscore._lint_lists`` (the list data),
``riskscore._lint_rules`` (rules, overrides, attributes), ``riskscore._lint_bounds`` (weights
and tiers), ``riskscore._lint_statutory`` (``eba-statutory-high``), on the shared state of
``riskscore._lint_context``; findings and suppressions are ``riskscore._lint_report``'s.
"""

from __future__ import annotations

from datetime import date

from ._lint_lists import ListChecks
from ._lint_report import Finding, LintReport, apply_suppressions
from ._lint_report import Severity as Severity  # the findings' severity type, importable from here as before
from ._lint_rules import RuleChecks
from ._lint_statutory import COUNTRY_FIELDS, DEFAULT_STATUTORY_LISTS, StatutoryChecks
from .policy import Policy, parse_as_of, read_policy_file

__all__ = ["Finding", "LintReport", "lint_policy", "DEFAULT_STATUTORY_LISTS", "COUNTRY_FIELDS"]


class _Linter(ListChecks, RuleChecks, StatutoryChecks):
    """Every check, in report order, then the policy's suppressions."""

    def run(self) -> LintReport:
        """Run the checks and sort their findings by the policy's ``lint.suppress``."""
        self.undeclared_attributes()
        self.categories()
        self.list_dates()
        self.dominant_factor()
        self.tiers_reachable()
        self.statutory()
        self.rationale()
        self.dead_items()
        return apply_suppressions(self.out, self.cfg.suppress, self.located)


def lint_policy(
    policy: Policy,
    *,
    max_factor_weight: float | None = None,
    as_of: date | str | None = None,
    today: date | None = None,
) -> LintReport:
    """Lint a loaded policy; ``max_factor_weight`` replaces the policy's ``lint.max_factor_weight``.

    ``as_of`` (a date or ``YYYY-MM-DD``; default today) is the date the ``stale-list`` check
    looks at; ``today`` (default: the system date) is what ``future-review`` compares with.
    """
    located = policy._located if policy._located is not None else read_policy_file(policy.path)  # as loaded
    now = today or date.today()
    return _Linter(policy, located, max_factor_weight, parse_as_of(as_of if as_of is not None else now), now).run()
