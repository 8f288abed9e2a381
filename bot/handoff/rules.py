"""The rules of the hand-off queue, as data: branches (data/branches.yml) and reasons with their
priority, label and the expected-wait words (data/handoff.yml). Loaded and validated at start-up.

Only the sections this module knows are read from data/handoff.yml; the consultant's side reads its
own (outcomes, canned replies) from the same file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from bot.prequal.municipalities import MunicipalityRegistry, load_municipalities
from bot.prequal.sectors import SectorCatalogue, load_sectors
from bot.text import normalise

BRANCHES_FILE = "branches.yml"
HANDOFF_FILE = "handoff.yml"
MUNICIPALITIES_FILE = "municipalities.csv"
SECTORS_FILE = "sectors.yml"


class Branch(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z_]+$", max_length=40)
    name: str = Field(min_length=1, max_length=80)
    area: str = Field(min_length=1, max_length=120)
    address: str = Field(min_length=5, max_length=120)  # where documents may be brought (bot/documents/)
    hours: str = Field(min_length=5, max_length=120)
    municipalities: tuple[str, ...] = Field(min_length=1)  # DANE codes

    @field_validator("municipalities")
    @classmethod
    def _codes(cls, codes: tuple[str, ...]) -> tuple[str, ...]:
        for code in codes:
            if not (len(code) == 5 and code.isdigit()):
                raise ValueError(f"{code!r} is not a DANE municipality code (5 digits)")
        return codes


class Branches(BaseModel):
    """Each municipality served by at most one branch; the rest (and unknown) go to the default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    default_branch: str
    # The shipped addresses and hours are examples: production refuses them (refuse_example_offices),
    # as a person must never be sent to an office that is not there.
    example_addresses: bool = False
    branches: tuple[Branch, ...] = Field(min_length=1)
    _by_code: dict[str, str] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> Branches:
        ids = [branch.id for branch in self.branches]
        if len(set(ids)) != len(ids):
            raise ValueError("branch ids must be unique")
        if self.default_branch not in ids:
            raise ValueError(f"default_branch {self.default_branch!r} is not a branch")
        codes = [code for branch in self.branches for code in branch.municipalities]
        twice = sorted({code for code in codes if codes.count(code) > 1})
        if twice:
            raise ValueError(f"municipalities served by more than one branch: {twice}")
        return self

    def model_post_init(self, context: object, /) -> None:
        self._by_code.update({code: b.id for b in self.branches for code in b.municipalities})

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(branch.id for branch in self.branches)

    def by_id(self, branch_id: str) -> Branch | None:
        return next((branch for branch in self.branches if branch.id == branch_id), None)

    def listed_branch(self, dane_code: str) -> str | None:
        """The branch that lists the municipality, or ``None`` (it goes to the default)."""
        return self._by_code.get(dane_code)

    def check_codes(self, registry: MunicipalityRegistry) -> None:
        unknown = sorted(code for code in self._by_code if registry.by_code(code) is None)
        if unknown:
            raise ValueError(f"data/branches.yml names municipalities not in the CSV: {unknown}")


class Reason(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    priority: int = Field(ge=0, le=100)
    label: str = Field(min_length=1, max_length=80)


class WaitWords(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    minutes: str = Field(pattern=r"\{minutes\}")
    before_closing: str = Field(pattern=r"\{time\}")
    today_or_next: str = Field(pattern=r"\{when\}")


class WaitRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    recent_tickets: int = Field(ge=1, le=500)
    default_claim_minutes: int = Field(ge=1, le=600)
    min_minutes: int = Field(ge=1, le=600)
    max_minutes: int = Field(ge=1, le=600)
    words: WaitWords

    @model_validator(mode="after")
    def _bounds(self) -> WaitRules:
        if self.min_minutes > self.max_minutes:
            raise ValueError("min_minutes must not be above max_minutes")
        return self


class HandoffData(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)  # outcomes, canned replies: not ours

    reasons: dict[str, Reason] = Field(min_length=1)
    expected_wait: WaitRules

    @field_validator("reasons")
    @classmethod
    def _known(cls, reasons: dict[str, Reason]) -> dict[str, Reason]:
        missing = sorted(set(REQUIRED_REASONS) - set(reasons))
        if missing:
            raise ValueError(f"reasons the code uses are missing: {missing}")
        return reasons


# Reasons the gateway itself opens tickets with (the dialogue may name others listed in the file).
REQUIRED_REASONS = (
    "user_asked",
    "offered_after_retries",
    "prequalified",
    "bot_failure",
    "documents_review",
    "documents_call",
    "payment_overdue",  # the last repayment reminder (bot/reminders/dispatch.py)
)


@dataclass(frozen=True)
class HandoffRules:
    """What ``request_handoff`` needs: branches, municipalities and sectors (to name them), reasons."""

    branches: Branches
    municipalities: MunicipalityRegistry
    sectors: SectorCatalogue
    data: HandoffData

    def branch_for(self, municipality: str | None) -> str:
        """The branch serving a municipality given as a DANE code or a name; else the default."""
        code = self.municipality_code(municipality)
        listed = self.branches.listed_branch(code) if code else None
        return listed or self.branches.default_branch

    def municipality_code(self, municipality: str | None) -> str | None:
        if not municipality:
            return None
        text = str(municipality).strip()
        if self.municipalities.by_code(text) is not None:
            return text
        found = self.municipalities.named(normalise(text))
        return found[0].dane_code if len(found) == 1 else None

    def reason(self, reason: str) -> Reason:
        found = self.data.reasons.get(reason)
        if found is None:
            raise ValueError(f"unknown hand-off reason {reason!r} (data/handoff.yml)")
        return found


def load_branches(data_dir: Path) -> Branches:
    """data/branches.yml, validated against the municipalities it names (the one loader of the file)."""
    branches = Branches.model_validate(_yaml(data_dir / BRANCHES_FILE))
    branches.check_codes(load_municipalities(data_dir / MUNICIPALITIES_FILE))
    return branches


def refuse_example_offices(branches: Branches, *, app_env: str) -> None:
    """Production never tells a person to bring documents to an example address."""
    if app_env == "prod" and branches.example_addresses:
        raise ValueError(
            "refusing to start in prod: data/branches.yml has example office addresses and hours "
            "(example_addresses: true); set each branch's real address and hours, then remove that line"
        )


def load_handoff_rules(data_dir: Path) -> HandoffRules:
    municipalities = load_municipalities(data_dir / MUNICIPALITIES_FILE)
    branches = load_branches(data_dir)
    data = HandoffData.model_validate(_yaml(data_dir / HANDOFF_FILE))
    return HandoffRules(branches, municipalities, load_sectors(data_dir / SECTORS_FILE), data)


def _yaml(path: Path) -> object:
    return yaml.safe_load(path.read_text(encoding="utf-8"))
