"""The stages an opportunity moves through: their names, their order, and the roles figures need.

A stage configuration is a list of **steps** in funnel order; a step holds one stage or several
alternatives (`demo_held|demo_no_show`, `won|lost`). The first stage of a step is its **forward** stage,
the others are **side** stages (a demo that did not happen, a deal that was lost). Figures find stages by
**role**, never by name, so a team may call its stages what it likes.

The setting's format (`STAGES`), one string::

    new,qualified,demo_booked,demo_held|demo_no_show,proposal_sent,won|lost      (the default)
    inquiry=new,qualified,demo=demo_booked,showed=demo_held|ghosted=demo_no_show,quote=proposal_sent,signed=won|dead=lost

Steps are separated by commas, alternatives by `|`. Each stage is `NAME` or `NAME=ROLE`; a stage named like
a role takes that role without `=ROLE`. Names are 1-32 characters of `a-z`, `0-9` and `_`, starting with
a letter. Rules: the `new` role (the opening stage) is the first step, alone; `won` and `lost` are the
last step, and only they; `demo_held` and `demo_no_show` share a step that comes after `demo_booked`'s;
`proposal_sent` comes after the demo steps and before the last; `new`, `won` and `lost` are required, the
demo and proposal roles optional (the figures that need an absent role are null). Stages without a role
(e.g. `qualified`) count in stage conversion and nowhere else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from analytics.errors import InvalidInput

NEW = "new"
DEMO_BOOKED = "demo_booked"
DEMO_HELD = "demo_held"
DEMO_NO_SHOW = "demo_no_show"
PROPOSAL_SENT = "proposal_sent"
WON = "won"
LOST = "lost"
ROLES = (NEW, DEMO_BOOKED, DEMO_HELD, DEMO_NO_SHOW, PROPOSAL_SENT, WON, LOST)
CLOSING_ROLES = (WON, LOST)

DEFAULT_STAGES = "new,qualified,demo_booked,demo_held|demo_no_show,proposal_sent,won|lost"
_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")
_EXAMPLE = f"expected e.g. {DEFAULT_STAGES!r}"


@dataclass(frozen=True)
class Stage:
    name: str
    role: str | None
    step: int  # index of its step in funnel order
    forward: bool  # the first stage of its step


@dataclass(frozen=True)
class StageConfig:
    """A parsed, validated stage configuration (build it with `parse_stages`)."""

    steps: tuple[tuple[Stage, ...], ...]

    @cached_property
    def stages(self) -> tuple[Stage, ...]:
        return tuple(stage for step in self.steps for stage in step)

    @cached_property
    def _by_name(self) -> dict[str, Stage]:
        return {s.name: s for s in self.stages}

    @cached_property
    def _by_role(self) -> dict[str, Stage]:
        return {s.role: s for s in self.stages if s.role is not None}

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.stages)

    def get(self, name: str) -> Stage | None:
        return self._by_name.get(name)

    def stage(self, name: str) -> Stage:
        """The stage called `name`; InvalidInput naming the known stages otherwise."""
        found = self._by_name.get(name)
        if found is None:
            raise InvalidInput(f"unknown stage {name!r}; expected one of {', '.join(self.names)}")
        return found

    def name_of(self, role: str) -> str | None:
        """The name of the stage with `role`, or None when the configuration has no such stage."""
        found = self._by_role.get(role)
        return found.name if found else None

    def role_of(self, name: str) -> str | None:
        found = self._by_name.get(name)
        return found.role if found else None

    def is_closing(self, name: str) -> bool:
        return self.role_of(name) in CLOSING_ROLES

    def to_setting(self) -> str:
        """The configuration written back in the setting's format (roles spelled out only where needed)."""
        def one(s: Stage) -> str:
            return s.name if s.role in (None, s.name) else f"{s.name}={s.role}"
        return ",".join("|".join(one(s) for s in step) for step in self.steps)


def parse_stages(spec: str | None = None) -> StageConfig:
    """A StageConfig from the `STAGES` setting (None or blank: the default); InvalidInput on a bad one."""
    text = (spec or "").strip() or DEFAULT_STAGES
    steps: list[tuple[Stage, ...]] = []
    seen: set[str] = set()
    roles: dict[str, int] = {}
    for index, raw_step in enumerate(text.split(",")):
        parts = [p.strip() for p in raw_step.split("|")]
        if not all(parts):
            raise InvalidInput(f"STAGES has an empty stage in step {index + 1}; {_EXAMPLE}")
        step = []
        for position, part in enumerate(parts):
            name, _, role_text = part.partition("=")
            name = name.strip()
            role = role_text.strip() or (name if name in ROLES else None)
            if not _NAME.fullmatch(name):
                raise InvalidInput(f"STAGES: {name!r} is not a stage name (a-z, 0-9, _, starting with a letter, "
                                   f"at most 32); {_EXAMPLE}")
            if name in seen:
                raise InvalidInput(f"STAGES names the stage {name!r} twice")
            if role is not None and role not in ROLES:
                raise InvalidInput(f"STAGES: unknown role {role!r} for {name!r}; roles are {', '.join(ROLES)}")
            if role is not None and role in roles:
                raise InvalidInput(f"STAGES gives the role {role!r} to two stages")
            seen.add(name)
            if role is not None:
                roles[role] = index
            step.append(Stage(name, role, index, position == 0))
        steps.append(tuple(step))
    _check_order(steps, roles)
    return StageConfig(tuple(steps))


def _check_order(steps: list[tuple[Stage, ...]], roles: dict[str, int]) -> None:
    for required in (NEW, WON, LOST):
        if required not in roles:
            raise InvalidInput(f"STAGES needs a stage with the role {required!r}; {_EXAMPLE}")
    if roles[NEW] != 0 or len(steps[0]) != 1:
        raise InvalidInput("STAGES: the opening stage (role 'new') must be the first step, alone")
    last = len(steps) - 1
    if roles[WON] != last or roles[LOST] != last or len(steps[last]) != 2:
        raise InvalidInput("STAGES: the last step must be exactly the won and lost stages (e.g. 'won|lost')")
    if (DEMO_HELD in roles) != (DEMO_NO_SHOW in roles) or roles.get(DEMO_HELD) != roles.get(DEMO_NO_SHOW):
        raise InvalidInput("STAGES: demo_held and demo_no_show must be alternatives of one step "
                           "(e.g. 'demo_held|demo_no_show')")
    if DEMO_HELD in roles and (DEMO_BOOKED not in roles or roles[DEMO_BOOKED] >= roles[DEMO_HELD]):
        raise InvalidInput("STAGES: a demo_booked stage must come before the demo_held|demo_no_show step")
    if DEMO_HELD in roles and steps[roles[DEMO_HELD]][0].role != DEMO_HELD:
        raise InvalidInput("STAGES: demo_held must be the first alternative of its step (the forward one)")
    if PROPOSAL_SENT in roles:
        after = max(roles.get(DEMO_HELD, 0), roles.get(DEMO_BOOKED, 0))
        if not after < roles[PROPOSAL_SENT] < last:
            raise InvalidInput("STAGES: proposal_sent must come after the demo steps and before won|lost")
    if steps[last][0].role != WON:
        raise InvalidInput("STAGES: won must be the first alternative of the last step ('won|lost')")
